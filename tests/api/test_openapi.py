"""/openapi.json: valid OpenAPI 3.1, exactly the server's routes, and accurate response schemas."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server, run_cli  # noqa: E402

try:
    import jsonschema
except ImportError:  # pragma: no cover - reported as a skip, never silently
    jsonschema = None
try:
    from openapi_spec_validator import validate as validate_spec
except ImportError:  # pragma: no cover
    validate_spec = None

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        for name in ("manager", "handler"):
            cls.s.add_user(name)
        cls.s.start()
        r = cls.s.request("GET", "/openapi.json")
        cls.status = r.status
        cls.content_type = r.header("Content-Type")
        cls.raw = r.body
        cls.doc = r.json()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    # --- the document ---------------------------------------------------------------------
    def test_served_as_json_openapi_310(self):
        self.assertEqual(self.status, 200)
        self.assertTrue(self.content_type.startswith("application/json"), self.content_type)
        self.assertIsInstance(self.doc, dict)
        self.assertEqual(self.doc["openapi"], "3.1.0")
        self.assertIn("title", self.doc["info"])
        self.assertIn("version", self.doc["info"])

    @unittest.skipIf(validate_spec is None, "openapi-spec-validator is not installed")
    def test_valid_openapi_31(self):
        validate_spec(self.doc)

    def test_paths_equal_route_table_both_directions(self):
        proc = run_cli("routes", check=True)
        routes = set()
        for line in proc.stdout.splitlines():
            if line.strip():
                method, pattern = line.split(" ", 1)
                routes.add((method, pattern))
        self.assertGreater(len(routes), 30, proc.stdout)
        documented = set()
        for path, item in self.doc["paths"].items():
            for method in item:
                if method in HTTP_METHODS:
                    documented.add((method.upper(), path))
        self.assertEqual(sorted(routes - documented), [], "routes missing from /openapi.json")
        self.assertEqual(sorted(documented - routes), [], "documented operations with no route")

    def test_every_path_parameter_is_declared(self):
        params = self.doc["components"]["parameters"]

        def resolve(p):
            if "$ref" in p:
                return params[p["$ref"].rsplit("/", 1)[1]]
            return p

        for path, item in self.doc["paths"].items():
            names = set(re.findall(r"{([^}]+)}", path))
            for method, op in item.items():
                if method not in HTTP_METHODS:
                    continue
                declared = {resolve(p)["name"] for p in item.get("parameters", []) + op.get(
                    "parameters", []) if resolve(p)["in"] == "path"}
                self.assertEqual(declared, names, f"{method.upper()} {path}")

    def test_every_operation_has_responses_and_problem_schema(self):
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                self.assertIn("responses", op, f"{method} {path}")
                self.assertTrue(op.get("operationId"), f"{method} {path}")
                if path.startswith("/api/"):
                    codes = [c for c in op["responses"] if c.startswith("4")]
                    self.assertTrue(codes, f"{method} {path} documents no 4xx")
        problem = self.doc["components"]["schemas"]["Problem"]
        self.assertEqual(set(problem["required"]), {"type", "title", "status", "detail", "instance"})
        self.assertIn("errors", problem["properties"])

    def test_bearer_scheme_idempotency_key_and_list_parameters(self):
        comps = self.doc["components"]
        schemes = comps["securitySchemes"]
        self.assertEqual(schemes["bearerAuth"]["type"], "http")
        self.assertEqual(schemes["bearerAuth"]["scheme"], "bearer")
        self.assertEqual(self.doc["security"], [{"bearerAuth": []}])
        create = self.doc["paths"]["/api/v1/complaints"]["post"]
        names = [comps["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
                 for p in create["parameters"]]
        self.assertIn("Idempotency-Key", names)
        listing = self.doc["paths"]["/api/v1/complaints"]["get"]
        names = {comps["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
                 for p in listing["parameters"]}
        self.assertEqual(names, {"state", "category", "priority", "assignee", "overdue", "follow_up_due",
                                 "received_from", "received_to", "q", "sort", "cursor", "limit"})
        new = comps["schemas"]["NewComplaint"]
        self.assertEqual(set(new["required"]), {"complainant", "description"})
        self.assertFalse(new["additionalProperties"])
        # public routes say so
        self.assertEqual(self.doc["paths"]["/healthz"]["get"]["security"], [])
        self.assertEqual(self.doc["paths"]["/api/v1/status/{reference}"]["get"]["security"], [])

    # --- responses match the documented schemas --------------------------------------------
    def check(self, method, path, response, documented_path=None):
        """The status is documented for the operation and the body matches its schema."""
        op = self.doc["paths"][documented_path or path][method.lower()]
        code = str(response.status)
        self.assertIn(code, op["responses"], f"{method} {path} answered undocumented {code}")
        spec = op["responses"][code]
        if "$ref" in spec:
            spec = self.doc["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
        ctype = (response.header("Content-Type") or "").split(";")[0]
        if "content" not in spec:
            return
        self.assertIn(ctype, spec["content"], f"{method} {path} {code} content type {ctype}")
        schema = spec["content"][ctype].get("schema")
        if jsonschema is None or schema is None or not ctype.endswith("json"):
            return
        root = dict(schema)
        root["components"] = self.doc["components"]
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        errors = sorted(jsonschema.Draft202012Validator(root).iter_errors(response.json()),
                        key=str)
        self.assertEqual([f"{list(e.absolute_path)}: {e.message}" for e in errors], [],
                         f"{method} {path} {code}")

    @unittest.skipIf(jsonschema is None, "jsonschema is not installed")
    def test_responses_match_documented_schemas(self):
        s = self.s
        body = {"complainant": {"name": "Schema Person", "email": "schema@example.org"},
                "description": "Schema check complaint."}
        r = s.request("POST", "/api/v1/complaints", body, headers={"Idempotency-Key": "oa-1"})
        self.check("POST", "/api/v1/complaints", r)
        created = r.json()
        ref, secret = created["reference"], created["secret"]
        r = s.request("POST", "/api/v1/complaints", {"description": 5})
        self.check("POST", "/api/v1/complaints", r)
        r = s.request("POST", "/api/v1/complaints", raw=b"{", content_type="application/json")
        self.check("POST", "/api/v1/complaints", r)
        r = s.request("GET", f"/api/v1/status/{ref}?secret={secret}")
        self.check("GET", "/api/v1/status/{reference}", r)
        r = s.request("GET", f"/api/v1/status/{ref}?secret=wrong")
        self.check("GET", "/api/v1/status/{reference}", r)
        r = s.request("POST", "/api/v1/session", {"username": "manager",
                                                  "password": "manager-password-123"})
        self.check("POST", "/api/v1/session", r)
        r = s.request("GET", "/api/v1/me", as_user="manager")
        self.check("GET", "/api/v1/me", r)
        r = s.request("GET", "/api/v1/complaints?limit=5", as_user="manager")
        self.check("GET", "/api/v1/complaints", r)
        r = s.request("GET", "/api/v1/complaints?bogus=1", as_user="manager")
        self.check("GET", "/api/v1/complaints", r)
        r = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager")
        self.check("GET", "/api/v1/complaints/{reference}", r)
        r = s.request("GET", f"/api/v1/complaints/{ref}/events", as_user="manager")
        self.check("GET", "/api/v1/complaints/{reference}/events", r)
        r = s.request("POST", f"/api/v1/complaints/{ref}/assess",
                      {"category": "banking/current-account/fees", "severity": 2},
                      as_user="handler")
        self.check("POST", f"/api/v1/complaints/{ref}/assess", r,
                   "/api/v1/complaints/{reference}/assess")
        r = s.request("POST", f"/api/v1/complaints/{ref}/close", {"cause": "process"},
                      as_user="handler")
        self.assertEqual(r.status, 409, r.body)
        self.check("POST", f"/api/v1/complaints/{ref}/close", r,
                   "/api/v1/complaints/{reference}/close")
        r = s.request("POST", f"/api/v1/complaints/{ref}/notes", {"body": "n"}, as_user="handler")
        self.check("POST", f"/api/v1/complaints/{ref}/notes", r,
                   "/api/v1/complaints/{reference}/notes")
        r = s.request("GET", f"/api/v1/complaints/{ref}/notes", as_user="handler")
        self.check("GET", f"/api/v1/complaints/{ref}/notes", r,
                   "/api/v1/complaints/{reference}/notes")
        r = s.request("POST", f"/api/v1/complaints/{ref}/attachments?filename=a.pdf",
                      raw=b"%PDF-1.4 x", content_type="application/pdf", as_user="handler")
        self.check("POST", "", r, "/api/v1/complaints/{reference}/attachments")
        r = s.request("GET", r.header("Location"), as_user="handler")
        self.check("GET", "", r, "/api/v1/complaints/{reference}/attachments/{id}")
        r = s.request("GET", "/api/v1/policies", as_user="handler")
        self.check("GET", "/api/v1/policies", r)
        r = s.request("GET", "/api/v1/policies/iso-default", as_user="handler")
        self.check("GET", "/api/v1/policies/iso-default", r, "/api/v1/policies/{id}")
        r = s.request("GET", "/api/v1/users", as_user="manager")
        self.check("GET", "/api/v1/users", r)
        r = s.request("GET", "/api/v1/audit/verify", as_user="manager")
        self.check("GET", "/api/v1/audit/verify", r)
        r = s.request("GET", "/healthz")
        self.check("GET", "/healthz", r)
        r = s.request("GET", "/metrics")
        self.check("GET", "/metrics", r)
        # console support
        r = s.request("PUT", "/api/v1/me/views/Mine", {"query": "state=received"},
                      as_user="handler")
        self.check("PUT", "", r, "/api/v1/me/views/{name}")
        r = s.request("PUT", "/api/v1/me/views/Mine", {"query": 5}, as_user="handler")
        self.check("PUT", "", r, "/api/v1/me/views/{name}")
        r = s.request("GET", "/api/v1/me/views", as_user="handler")
        self.check("GET", "/api/v1/me/views", r)
        r = s.request("DELETE", "/api/v1/me/views/Mine", as_user="handler")
        self.check("DELETE", "", r, "/api/v1/me/views/{name}")
        r = s.request("DELETE", "/api/v1/me/views/Mine", as_user="handler")
        self.check("DELETE", "", r, "/api/v1/me/views/{name}")
        r = s.request("GET", "/api/v1/dashboard", as_user="manager")
        self.check("GET", "/api/v1/dashboard", r)
        r = s.request("GET", "/api/v1/dashboard?weeks=0", as_user="manager")
        self.check("GET", "/api/v1/dashboard", r)
        r = s.request("GET", "/api/v1/roles", as_user="handler")
        self.check("GET", "/api/v1/roles", r)
        r = s.request("POST", f"/api/v1/status/{ref}/survey",
                      {"secret": secret, "handling": 3, "outcome": 3})
        self.assertEqual(r.status, 409, r.body)  # not closed yet
        self.check("POST", "", r, "/api/v1/status/{reference}/survey")
        r = s.request("POST", f"/api/v1/status/{ref}/survey",
                      {"secret": secret, "handling": 9, "outcome": 3})
        self.check("POST", "", r, "/api/v1/status/{reference}/survey")


if __name__ == "__main__":
    unittest.main()
