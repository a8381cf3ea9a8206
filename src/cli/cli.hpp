// The `redress` command line: serve, user, policy, audit, backup, routes.
// Exit codes (conventions §3): 0 success; 1 operation failed; 2 bad usage or input, nothing
// changed; 3 a check found problems.
#pragma once

namespace redress::cli {

int Run(int argc, char** argv);

}  // namespace redress::cli
