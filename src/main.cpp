// The redress binary: everything is in redress_lib; main only hands over to the CLI.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return redress::cli::Run(argc, argv); }
