// The OpenAPI 3.1 description of the HTTP API, served at /openapi.json. tests/api/test_openapi.py
// checks that its paths and methods are exactly the routes of Api's route table.
#include "http/openapi.hpp"

namespace redress::http {

std::string_view OpenApiDocument() {
  // clang-format off
  static constexpr std::string_view kDocument = R"json({
 "openapi": "3.1.0",
 "info": {
  "title": "Redress complaint-handling API",
  "version": "0.1.0",
  "description": "ISO 10002 complaint handling. Errors are RFC 9457 application/problem+json. JSON bodies are limited to 64 KiB (413), request headers to 8 KiB (431), attachments to 10 MiB; a whole request must arrive within 10 s. Unknown paths are 404; a known path with another method is 405 with Allow. Unknown fields in a JSON body are 422.",
  "license": {
   "name": "Proprietary",
   "identifier": "LicenseRef-Proprietary"
  }
 },
 "servers": [
  {
   "url": "/"
  }
 ],
 "security": [
  {
   "bearerAuth": []
  }
 ],
 "tags": [
  {
   "name": "intake"
  },
  {
   "name": "complainant"
  },
  {
   "name": "sessions"
  },
  {
   "name": "complaints"
  },
  {
   "name": "lifecycle"
  },
  {
   "name": "users"
  },
  {
   "name": "policies"
  },
  {
   "name": "audit"
  },
  {
   "name": "operations"
  },
  {
   "name": "console",
   "description": "What the staff console needs beyond the complaint routes: saved views, the dashboard, roles."
  },
  {
   "name": "mail",
   "description": "Mail intake (redress mailgate)"
  },
  {
   "name": "learning",
   "description": "ISO 10002 clause 8: analytics, root causes and actions, internal audit, management review, complaints return (docs/analytics.md)"
  }
 ],
 "paths": {
  "/healthz": {
   "get": {
    "operationId": "health",
    "tags": [
     "operations"
    ],
    "summary": "Liveness and store health",
    "security": [],
    "responses": {
     "200": {
      "description": "Healthy",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      }
     },
     "503": {
      "description": "The store refuses writes",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      }
     }
    }
   }
  },
  "/metrics": {
   "get": {
    "operationId": "metrics",
    "tags": [
     "operations"
    ],
    "summary": "Prometheus metrics (redress_http_requests_total, redress_http_request_duration_seconds, redress_complaints{state}, redress_complaints_overdue, redress_store_healthy, redress_store_batches_total, redress_store_writes_total, redress_store_batch_duration_seconds, redress_store_flush_duration_seconds, redress_store_wal_bytes, redress_store_checkpoint_duration_seconds{by}); no personal data in labels",
    "security": [],
    "responses": {
     "200": {
      "description": "Prometheus text exposition format 0.0.4",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "operationId": "openapi",
    "tags": [
     "operations"
    ],
    "summary": "This document",
    "security": [],
    "responses": {
     "200": {
      "description": "OpenAPI 3.1 document",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  },
  "/api/v1/complaints": {
   "post": {
    "operationId": "createComplaint",
    "tags": [
     "intake"
    ],
    "summary": "Make or log a complaint",
    "description": "Public (no token) or staff logging a phone, letter or in-person complaint with a bearer token (handler or manager; investigators, auditors and admins get 403). The complaint is acknowledged at once. 201 only after commit.",
    "security": [
     {},
     {
      "bearerAuth": []
     }
    ],
    "parameters": [
     {
      "$ref": "#/components/parameters/IdempotencyKey"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/NewComplaint"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Created and acknowledged (also the replay of an earlier request with the same Idempotency-Key and body)",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        },
        "description": "The status URL /api/v1/status/{reference}"
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CreatedComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "get": {
    "operationId": "listComplaints",
    "tags": [
     "complaints"
    ],
    "summary": "List complaints in the caller's scope (keyset pagination)",
    "description": "Roles: handler, investigator, manager, auditor. Handlers see unassigned complaints and their own; investigators their investigations; complaints naming the caller are never listed.",
    "parameters": [
     {
      "$ref": "#/components/parameters/state"
     },
     {
      "$ref": "#/components/parameters/category"
     },
     {
      "$ref": "#/components/parameters/priority"
     },
     {
      "$ref": "#/components/parameters/assignee"
     },
     {
      "$ref": "#/components/parameters/overdue"
     },
     {
      "$ref": "#/components/parameters/follow_up_due"
     },
     {
      "$ref": "#/components/parameters/received_from"
     },
     {
      "$ref": "#/components/parameters/received_to"
     },
     {
      "$ref": "#/components/parameters/q"
     },
     {
      "$ref": "#/components/parameters/cursor"
     },
     {
      "$ref": "#/components/parameters/limit"
     },
     {
      "$ref": "#/components/parameters/sort"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplaintPage"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/status/{reference}": {
   "get": {
    "operationId": "getStatus",
    "tags": [
     "complainant"
    ],
    "summary": "Complainant status page data",
    "description": "No account: the reference and access secret. A wrong secret is answered exactly like an unknown reference (404). Internal notes are never shown.",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     },
     {
      "$ref": "#/components/parameters/secret"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplainantStatus"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/api/v1/status/{reference}/information": {
   "post": {
    "operationId": "addInformation",
    "tags": [
     "complainant"
    ],
    "summary": "Complainant adds information",
    "description": "Adds a message; if the complaint is awaiting_complainant it returns to under_investigation. A closed or withdrawn complaint gives 409.",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/StatusInformationInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplainantView"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/api/v1/status/{reference}/withdraw": {
   "post": {
    "operationId": "complainantWithdraw",
    "tags": [
     "complainant"
    ],
    "summary": "Complainant withdraws the complaint",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/StatusWithdrawInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplainantView"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/api/v1/session": {
   "post": {
    "operationId": "login",
    "tags": [
     "sessions"
    ],
    "summary": "Log in",
    "security": [],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/LoginInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Session"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "delete": {
    "operationId": "logout",
    "tags": [
     "sessions"
    ],
    "summary": "Log out: the token stops working",
    "responses": {
     "204": {
      "description": "Logged out"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/api/v1/me": {
   "get": {
    "operationId": "me",
    "tags": [
     "sessions"
    ],
    "summary": "The caller",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/api/v1/me/password": {
   "post": {
    "operationId": "changePassword",
    "tags": [
     "sessions"
    ],
    "summary": "Change the caller's password (clears must_change_password)",
    "description": "Any signed-in staff user. A wrong current password is 422 with pointer /current_password.",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ChangePasswordInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}": {
   "get": {
    "operationId": "getComplaint",
    "tags": [
     "complaints"
    ],
    "summary": "The complaint file: record, timeline, notes, attachments",
    "description": "Roles: handler, investigator, manager, auditor. Out of scope is 404.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplaintFile"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/events": {
   "get": {
    "operationId": "listEvents",
    "tags": [
     "complaints"
    ],
    "summary": "The audit events of a complaint",
    "description": "Roles: handler, investigator, manager, auditor.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/EventList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/acknowledge": {
   "post": {
    "operationId": "acknowledge",
    "tags": [
     "lifecycle"
    ],
    "summary": "received → acknowledged",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EmptyInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/assess": {
   "post": {
    "operationId": "assess",
    "tags": [
     "lifecycle"
    ],
    "summary": "acknowledged or reopened → assessed; sets category, severity, priority and optionally the assignee",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AssessInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/investigate": {
   "post": {
    "operationId": "investigate",
    "tags": [
     "lifecycle"
    ],
    "summary": "assessed or reopened → under_investigation",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/InvestigateInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/request_information": {
   "post": {
    "operationId": "requestInformation",
    "tags": [
     "lifecycle"
    ],
    "summary": "under_investigation → awaiting_complainant; pauses clocks where the policy allows",
    "description": "Roles: investigator, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RequestInformationInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/provide_information": {
   "post": {
    "operationId": "provideInformation",
    "tags": [
     "lifecycle"
    ],
    "summary": "awaiting_complainant → under_investigation (information received by other means)",
    "description": "Roles: investigator, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ProvideInformationInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/propose_decision": {
   "post": {
    "operationId": "proposeDecision",
    "tags": [
     "lifecycle"
    ],
    "summary": "under_investigation → response_proposed",
    "description": "Roles: investigator, handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ProposeDecisionInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/return_proposal": {
   "post": {
    "operationId": "returnProposal",
    "tags": [
     "lifecycle"
    ],
    "summary": "response_proposed → under_investigation",
    "description": "Roles: manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/communicate_decision": {
   "post": {
    "operationId": "communicateDecision",
    "tags": [
     "lifecycle"
    ],
    "summary": "response_proposed → decision_communicated; remedies above the caller's authority limit get 403",
    "description": "Roles: manager, handler. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EmptyInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/review": {
   "post": {
    "operationId": "review",
    "tags": [
     "lifecycle"
    ],
    "summary": "decision_communicated → under_investigation (internal review; reviewer ≠ decider)",
    "description": "Roles: manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/close": {
   "post": {
    "operationId": "close",
    "tags": [
     "lifecycle"
    ],
    "summary": "decision_communicated → closed, through the closure gate (cause; reply or window passed; accepted remedy paid)",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CloseInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/close_early": {
   "post": {
    "operationId": "closeEarly",
    "tags": [
     "lifecycle"
    ],
    "summary": "received, acknowledged or assessed → closed (early resolution or duplicate)",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CloseEarlyInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/refer": {
   "post": {
    "operationId": "refer",
    "tags": [
     "lifecycle"
    ],
    "summary": "any open state → referred to an external body",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReferInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/conclude_referral": {
   "post": {
    "operationId": "concludeReferral",
    "tags": [
     "lifecycle"
    ],
    "summary": "referred → closed with the external outcome",
    "description": "Roles: manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ConcludeReferralInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/refer_back": {
   "post": {
    "operationId": "referBack",
    "tags": [
     "lifecycle"
    ],
    "summary": "referred → under_investigation",
    "description": "Roles: manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/withdraw": {
   "post": {
    "operationId": "withdraw",
    "tags": [
     "lifecycle"
    ],
    "summary": "any open state → withdrawn on the complainant's instruction",
    "description": "Roles: handler, manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/WithdrawInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/reopen": {
   "post": {
    "operationId": "reopen",
    "tags": [
     "lifecycle"
    ],
    "summary": "closed or withdrawn → reopened",
    "description": "Roles: manager. Anything the transition table does not allow is 409 naming the current state and the allowed actions, and changes nothing.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReasonInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The complaint after the transition",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/assign": {
   "post": {
    "operationId": "assign",
    "tags": [
     "complaints"
    ],
    "summary": "Assign or reassign the complaint",
    "description": "Roles: handler, manager. An assignee named in the complaint is a conflict of interest (409); an unknown or disabled user is 422.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AssignInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/escalate": {
   "post": {
    "operationId": "escalate",
    "tags": [
     "complaints"
    ],
    "summary": "Escalate internally (raises priority; an event and flag, not a state)",
    "description": "Roles: handler, investigator, manager.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EscalateInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/follow-up": {
   "post": {
    "operationId": "recordFollowUp",
    "tags": [
     "complaints"
    ],
    "summary": "Record the follow-up after closure: did the complainant confirm they are satisfied (once)",
    "description": "Roles: handler, investigator, manager.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/FollowUpInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StaffComplaint"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/notes": {
   "get": {
    "operationId": "listNotes",
    "tags": [
     "complaints"
    ],
    "summary": "Notes and messages",
    "description": "Roles: handler, investigator, manager, auditor.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/NoteList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   },
   "post": {
    "operationId": "addNote",
    "tags": [
     "complaints"
    ],
    "summary": "Add an internal note or a message to the complainant",
    "description": "Roles: handler, investigator, manager.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/NewNote"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Added",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        },
        "description": "URL of the new resource"
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Note"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/attachments": {
   "post": {
    "operationId": "uploadAttachment",
    "tags": [
     "complaints"
    ],
    "summary": "Upload a document (raw body, at most 10 MiB)",
    "description": "Roles: handler, investigator, manager. The Content-Type must be one of the listed types and match the file's first bytes (415 otherwise). Stored content-addressed by SHA-256.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     },
     {
      "name": "filename",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 255
      },
      "description": "Plain file name, no '/' or '\\\\'"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/pdf": {
       "schema": {
        "type": "string",
        "contentMediaType": "application/pdf"
       }
      },
      "image/png": {
       "schema": {
        "type": "string",
        "contentMediaType": "image/png"
       }
      },
      "image/jpeg": {
       "schema": {
        "type": "string",
        "contentMediaType": "image/jpeg"
       }
      },
      "image/gif": {
       "schema": {
        "type": "string",
        "contentMediaType": "image/gif"
       }
      },
      "text/plain": {
       "schema": {
        "type": "string",
        "contentMediaType": "text/plain"
       }
      },
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
       "schema": {
        "type": "string",
        "contentMediaType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Stored",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        },
        "description": "URL of the new resource"
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Attachment"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/attachments/{id}": {
   "get": {
    "operationId": "downloadAttachment",
    "tags": [
     "complaints"
    ],
    "summary": "Download a document",
    "description": "Roles: handler, investigator, manager, auditor.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     },
     {
      "$ref": "#/components/parameters/attachmentId"
     }
    ],
    "responses": {
     "200": {
      "description": "The stored bytes, with the uploaded Content-Type and Content-Disposition: attachment",
      "content": {
       "application/pdf": {
        "schema": {
         "type": "string",
         "contentMediaType": "application/pdf"
        }
       },
       "image/png": {
        "schema": {
         "type": "string",
         "contentMediaType": "image/png"
        }
       },
       "image/jpeg": {
        "schema": {
         "type": "string",
         "contentMediaType": "image/jpeg"
        }
       },
       "image/gif": {
        "schema": {
         "type": "string",
         "contentMediaType": "image/gif"
        }
       },
       "text/plain": {
        "schema": {
         "type": "string",
         "contentMediaType": "text/plain"
        }
       },
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
        "schema": {
         "type": "string",
         "contentMediaType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/users": {
   "get": {
    "operationId": "listUsers",
    "tags": [
     "users"
    ],
    "summary": "List staff users",
    "description": "Roles: admin, manager.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/UserList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   },
   "post": {
    "operationId": "createUser",
    "tags": [
     "users"
    ],
    "summary": "Create a staff user",
    "description": "Roles: admin. The user must change the password at first login.",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/NewUser"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Created",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        },
        "description": "URL of the new resource"
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/users/{username}/disable": {
   "post": {
    "operationId": "disableUser",
    "tags": [
     "users"
    ],
    "summary": "Disable a user and end their sessions",
    "description": "Roles: admin. Admins cannot disable themselves (409).",
    "parameters": [
     {
      "$ref": "#/components/parameters/username"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     }
    }
   }
  },
  "/api/v1/users/{username}/enable": {
   "post": {
    "operationId": "enableUser",
    "tags": [
     "users"
    ],
    "summary": "Enable a user",
    "description": "Roles: admin.",
    "parameters": [
     {
      "$ref": "#/components/parameters/username"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/policies": {
   "get": {
    "operationId": "listPolicies",
    "tags": [
     "policies"
    ],
    "summary": "Loaded policies (regimes) and the default",
    "description": "Any signed-in staff user.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PolicyList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/api/v1/policies/{id}": {
   "get": {
    "operationId": "getPolicy",
    "tags": [
     "policies"
    ],
    "summary": "One policy",
    "description": "Any signed-in staff user.",
    "parameters": [
     {
      "$ref": "#/components/parameters/policyId"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Policy"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/audit/verify": {
   "get": {
    "operationId": "verifyAudit",
    "tags": [
     "audit"
    ],
    "summary": "Verify the event hash chain",
    "description": "Roles: auditor, admin, manager.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AuditReport"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   }
  },
  "/api/v1/status/{reference}/survey": {
   "post": {
    "operationId": "complainantSurvey",
    "tags": [
     "complainant"
    ],
    "summary": "Complainant answers the satisfaction survey (once, after closure)",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SurveyInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplainantView"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/api/v1/status/{reference}/survey/opt-out": {
   "post": {
    "operationId": "complainantSurveyOptOut",
    "tags": [
     "complainant"
    ],
    "summary": "Complainant asks not to be sent or shown the satisfaction survey (once)",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SurveyOptOutInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplainantView"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/api/v1/me/views": {
   "get": {
    "operationId": "listViews",
    "tags": [
     "console"
    ],
    "summary": "The caller's saved views, by name",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/SavedView"
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/api/v1/me/views/{name}": {
   "put": {
    "operationId": "saveView",
    "tags": [
     "console"
    ],
    "summary": "Saves (or replaces) a view of the caller",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SavedViewInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SavedView"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/viewName"
     }
    ]
   },
   "delete": {
    "operationId": "deleteView",
    "tags": [
     "console"
    ],
    "summary": "Deletes a view of the caller",
    "responses": {
     "204": {
      "description": "Deleted"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/viewName"
     }
    ]
   }
  },
  "/api/v1/dashboard": {
   "get": {
    "operationId": "dashboard",
    "tags": [
     "console"
    ],
    "summary": "Figures for the staff dashboard: open complaints by state and age, on-time rates, volume by week and by category, over complaints received in the last `weeks` weeks (ages against the default policy's business days)",
    "parameters": [
     {
      "name": "weeks",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 104,
       "default": 12
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Dashboard"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    }
   }
  },
  "/api/v1/roles": {
   "get": {
    "operationId": "roles",
    "tags": [
     "console"
    ],
    "summary": "The roles and the routes each may call",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/RoleInfo"
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/api/v1/complaints/{reference}/notifications": {
   "get": {
    "operationId": "listNotifications",
    "tags": [
     "complaints"
    ],
    "summary": "Messages to the complainant (the outbox)",
    "description": "Roles: handler, investigator, manager, auditor. Never the template variables.",
    "parameters": [
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/NotificationList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/mail/inbound": {
   "post": {
    "operationId": "mailInbound",
    "tags": [
     "mail"
    ],
    "summary": "One message from `redress mailgate`",
    "description": "Authenticated by the X-Mailgate-Token header (not a session). A message about a known complaint joins it; automatic mail is ignored; any other becomes a new complaint on the email channel.",
    "security": [],
    "parameters": [
     {
      "name": "X-Mailgate-Token",
      "in": "header",
      "required": true,
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "message/rfc822": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Added to the complaint it names, or a repeat of a Message-ID taken before",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/MailReceipt"
        }
       }
      }
     },
     "201": {
      "description": "A new complaint",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/MailReceipt"
        }
       }
      }
     },
     "202": {
      "description": "Automatic mail (auto-reply, bounce): ignored",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "outcome",
          "reason"
         ],
         "properties": {
          "outcome": {
           "const": "ignored"
          },
          "reason": {
           "type": "string"
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/PayloadTooLarge"
     },
     "415": {
      "description": "Not message/rfc822",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "A message that cannot be taken",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/api/v1/analytics/dashboard": {
   "get": {
    "operationId": "analyticsDashboard",
    "tags": [
     "learning"
    ],
    "summary": "The clause 8 dashboard: KPIs, previous period, weekly trend with annotations and spikes, breakdowns, time to resolve, open by age, Pareto of causes (CSV: the KPIs)",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AnalyticsDashboard"
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/factFrom"
     },
     {
      "$ref": "#/components/parameters/factTo"
     },
     {
      "$ref": "#/components/parameters/factCategory"
     },
     {
      "$ref": "#/components/parameters/factProduct"
     },
     {
      "$ref": "#/components/parameters/factChannel"
     },
     {
      "$ref": "#/components/parameters/factDepartment"
     },
     {
      "$ref": "#/components/parameters/factLocation"
     },
     {
      "$ref": "#/components/parameters/factHandler"
     },
     {
      "$ref": "#/components/parameters/factCause"
     },
     {
      "$ref": "#/components/parameters/factState"
     },
     {
      "$ref": "#/components/parameters/factPolicy"
     },
     {
      "$ref": "#/components/parameters/factCurrency"
     },
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   }
  },
  "/api/v1/analytics/breakdown": {
   "get": {
    "operationId": "analyticsBreakdown",
    "tags": [
     "learning"
    ],
    "summary": "Counts and KPIs grouped by one or two keys (by=week, by=category, by=month,channel ...)",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "by": {
           "type": "string"
          },
          "rows": {
           "type": "array",
           "items": {
            "type": "object"
           }
          }
         }
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/factFrom"
     },
     {
      "$ref": "#/components/parameters/factTo"
     },
     {
      "$ref": "#/components/parameters/factCategory"
     },
     {
      "$ref": "#/components/parameters/factProduct"
     },
     {
      "$ref": "#/components/parameters/factChannel"
     },
     {
      "$ref": "#/components/parameters/factDepartment"
     },
     {
      "$ref": "#/components/parameters/factLocation"
     },
     {
      "$ref": "#/components/parameters/factHandler"
     },
     {
      "$ref": "#/components/parameters/factCause"
     },
     {
      "$ref": "#/components/parameters/factState"
     },
     {
      "$ref": "#/components/parameters/factPolicy"
     },
     {
      "$ref": "#/components/parameters/factCurrency"
     },
     {
      "name": "by",
      "in": "query",
      "required": false,
      "description": "One or two of day, week, month and the dimensions, comma-separated (default week)",
      "schema": {
       "type": "string"
      }
     },
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   }
  },
  "/api/v1/analytics/open": {
   "get": {
    "operationId": "analyticsOpen",
    "tags": [
     "learning"
    ],
    "summary": "Open complaints now by state and age band",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "rows": {
           "type": "array",
           "items": {
            "type": "object",
            "properties": {
             "state": {
              "type": "string"
             },
             "age": {
              "type": "string"
             },
             "count": {
              "type": "integer"
             }
            }
           }
          }
         }
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/factFrom"
     },
     {
      "$ref": "#/components/parameters/factTo"
     },
     {
      "$ref": "#/components/parameters/factCategory"
     },
     {
      "$ref": "#/components/parameters/factProduct"
     },
     {
      "$ref": "#/components/parameters/factChannel"
     },
     {
      "$ref": "#/components/parameters/factDepartment"
     },
     {
      "$ref": "#/components/parameters/factLocation"
     },
     {
      "$ref": "#/components/parameters/factHandler"
     },
     {
      "$ref": "#/components/parameters/factCause"
     },
     {
      "$ref": "#/components/parameters/factState"
     },
     {
      "$ref": "#/components/parameters/factPolicy"
     },
     {
      "$ref": "#/components/parameters/factCurrency"
     },
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   }
  },
  "/api/v1/analytics/spikes": {
   "get": {
    "operationId": "analyticsSpikes",
    "tags": [
     "learning"
    ],
    "summary": "Weekly spikes (robust z >= 3.5, count >= 5) of a dimension's values over the 13 weeks to `to`",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "by": {
           "type": "string"
          },
          "spikes": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Spike"
           }
          }
         }
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/factFrom"
     },
     {
      "$ref": "#/components/parameters/factTo"
     },
     {
      "$ref": "#/components/parameters/factCategory"
     },
     {
      "$ref": "#/components/parameters/factProduct"
     },
     {
      "$ref": "#/components/parameters/factChannel"
     },
     {
      "$ref": "#/components/parameters/factDepartment"
     },
     {
      "$ref": "#/components/parameters/factLocation"
     },
     {
      "$ref": "#/components/parameters/factHandler"
     },
     {
      "$ref": "#/components/parameters/factCause"
     },
     {
      "$ref": "#/components/parameters/factState"
     },
     {
      "$ref": "#/components/parameters/factPolicy"
     },
     {
      "$ref": "#/components/parameters/factCurrency"
     },
     {
      "name": "by",
      "in": "query",
      "required": false,
      "description": "The dimension (default category)",
      "schema": {
       "type": "string"
      }
     },
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   }
  },
  "/api/v1/analytics/pareto": {
   "get": {
    "operationId": "analyticsPareto",
    "tags": [
     "learning"
    ],
    "summary": "Pareto of a dimension (default cause): count, share, cumulative share, redress, vital few",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "by": {
           "type": "string"
          },
          "rows": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/ParetoRow"
           }
          }
         }
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/factFrom"
     },
     {
      "$ref": "#/components/parameters/factTo"
     },
     {
      "$ref": "#/components/parameters/factCategory"
     },
     {
      "$ref": "#/components/parameters/factProduct"
     },
     {
      "$ref": "#/components/parameters/factChannel"
     },
     {
      "$ref": "#/components/parameters/factDepartment"
     },
     {
      "$ref": "#/components/parameters/factLocation"
     },
     {
      "$ref": "#/components/parameters/factHandler"
     },
     {
      "$ref": "#/components/parameters/factCause"
     },
     {
      "$ref": "#/components/parameters/factState"
     },
     {
      "$ref": "#/components/parameters/factPolicy"
     },
     {
      "$ref": "#/components/parameters/factCurrency"
     },
     {
      "name": "by",
      "in": "query",
      "required": false,
      "description": "The dimension (default cause)",
      "schema": {
       "type": "string"
      }
     },
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   }
  },
  "/api/v1/analytics/annotations": {
   "get": {
    "operationId": "listAnnotations",
    "tags": [
     "learning"
    ],
    "summary": "Known events shown on the trend",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "annotations": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Annotation"
           }
          }
         }
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   },
   "post": {
    "operationId": "addAnnotation",
    "tags": [
     "learning"
    ],
    "summary": "Record a known event (launch, policy change, incident)",
    "description": "Roles: manager. See docs/analytics.md.",
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Annotation"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AnnotationInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/analytics/annotations/{id}": {
   "delete": {
    "operationId": "deleteAnnotation",
    "tags": [
     "learning"
    ],
    "summary": "Remove an annotation from the trend (the record stays, marked deleted)",
    "description": "Roles: manager. See docs/analytics.md.",
    "responses": {
     "204": {
      "description": "No content"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ]
   }
  },
  "/api/v1/root-causes": {
   "get": {
    "operationId": "listRootCauses",
    "tags": [
     "learning"
    ],
    "summary": "Root causes",
    "description": "Roles: manager, auditor, investigator. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "root_causes": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/RootCause"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     }
    }
   },
   "post": {
    "operationId": "createRootCause",
    "tags": [
     "learning"
    ],
    "summary": "Record a root cause linked to one or many complaints (in the caller's scope)",
    "description": "Roles: manager, investigator. See docs/analytics.md.",
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RootCause"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RootCauseInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/root-causes/{id}": {
   "get": {
    "operationId": "getRootCause",
    "tags": [
     "learning"
    ],
    "summary": "One root cause",
    "description": "Roles: manager, auditor, investigator. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RootCause"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ]
   },
   "put": {
    "operationId": "putRootCause",
    "tags": [
     "learning"
    ],
    "summary": "Replace a root cause",
    "description": "Roles: manager, investigator. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RootCause"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RootCauseInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/actions": {
   "get": {
    "operationId": "listActions",
    "tags": [
     "learning"
    ],
    "summary": "Corrective and preventive actions; attention=true: only those overdue, ineffective or whose check is due",
    "description": "Roles: manager, auditor, investigator. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "actions": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/CorrectiveAction"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "name": "attention",
      "in": "query",
      "required": false,
      "description": "true or false",
      "schema": {
       "type": "string",
       "enum": [
        "true",
        "false"
       ]
      }
     }
    ]
   },
   "post": {
    "operationId": "createAction",
    "tags": [
     "learning"
    ],
    "summary": "Create an action with its effectiveness check",
    "description": "Roles: manager. See docs/analytics.md.",
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CorrectiveAction"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CorrectiveActionInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/actions/{id}": {
   "get": {
    "operationId": "getAction",
    "tags": [
     "learning"
    ],
    "summary": "One action",
    "description": "Roles: manager, auditor, investigator. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CorrectiveAction"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ]
   },
   "put": {
    "operationId": "putAction",
    "tags": [
     "learning"
    ],
    "summary": "Replace an action (a changed check loses its result)",
    "description": "Roles: manager. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CorrectiveAction"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CorrectiveActionInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/actions/{id}/check": {
   "post": {
    "operationId": "checkAction",
    "tags": [
     "learning"
    ],
    "summary": "Evaluate the action's effectiveness check now and record the result",
    "description": "Roles: manager. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CorrectiveAction"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ]
   }
  },
  "/api/v1/audits": {
   "get": {
    "operationId": "listAudits",
    "tags": [
     "learning"
    ],
    "summary": "Internal audit samples",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "audits": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Audit"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     }
    }
   },
   "post": {
    "operationId": "createAudit",
    "tags": [
     "learning"
    ],
    "summary": "Draw a random sample of complaints closed in a period (never the auditor's own) and run the automatic checks",
    "description": "Roles: auditor. See docs/analytics.md.",
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Audit"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "415": {
      "$ref": "#/components/responses/UnsupportedMediaType"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AuditInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/audits/{id}": {
   "get": {
    "operationId": "getAudit",
    "tags": [
     "learning"
    ],
    "summary": "One audit sample",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Audit"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     }
    ]
   }
  },
  "/api/v1/audits/{id}/items/{reference}": {
   "put": {
    "operationId": "putFinding",
    "tags": [
     "learning"
    ],
    "summary": "Record the auditor's finding on one sampled complaint",
    "description": "Roles: auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Audit"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/recordId"
     },
     {
      "$ref": "#/components/parameters/reference"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/FindingInput"
       }
      }
     }
    }
   }
  },
  "/api/v1/reports/review": {
   "get": {
    "operationId": "reviewReport",
    "tags": [
     "learning"
    ],
    "summary": "The management review report for a period (clause 8.6)",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AnalyticsDashboard"
        }
       },
       "text/html": {
        "schema": {
         "type": "string"
        }
       },
       "application/pdf": {
        "schema": {
         "type": "string",
         "contentEncoding": "binary"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "503": {
      "description": "The PDF tool (weasyprint) is missing or failed",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/periodFrom"
     },
     {
      "$ref": "#/components/parameters/periodTo"
     },
     {
      "name": "format",
      "in": "query",
      "required": false,
      "description": "html (default), pdf or json",
      "schema": {
       "type": "string",
       "enum": [
        "html",
        "pdf",
        "json"
       ]
      }
     }
    ]
   }
  },
  "/api/v1/exports/complaints-return": {
   "get": {
    "operationId": "complaintsReturn",
    "tags": [
     "learning"
    ],
    "summary": "FCA-style complaints return: by product group, and by product group and cause",
    "description": "Roles: manager, auditor. See docs/analytics.md.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ComplaintsReturn"
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/periodFrom"
     },
     {
      "$ref": "#/components/parameters/periodTo"
     },
     {
      "name": "table",
      "in": "query",
      "required": false,
      "description": "product (default) or cause: which table the CSV holds",
      "schema": {
       "type": "string",
       "enum": [
        "product",
        "cause"
       ]
      }
     },
     {
      "$ref": "#/components/parameters/csvFormat"
     }
    ]
   }
  }
 },
 "components": {
  "securitySchemes": {
   "bearerAuth": {
    "type": "http",
    "scheme": "bearer",
    "description": "Session token from POST /api/v1/session"
   },
   "cookieAuth": {
    "type": "apiKey",
    "in": "cookie",
    "name": "redress_session",
    "description": "The session cookie set by the console's sign-in page (named __Host-redress_session under --cookie-secure). A request that changes state with it must send the session's X-CSRF-Token (from GET /api/v1/me) and be same-origin; otherwise 403."
   }
  },
  "schemas": {
   "Problem": {
    "type": "object",
    "properties": {
     "type": {
      "type": "string",
      "format": "uri",
      "description": "URI identifying the problem type, e.g. https://redress.example/problems/illegal-transition"
     },
     "title": {
      "type": "string",
      "description": "Short summary of the problem type"
     },
     "status": {
      "type": "integer",
      "description": "HTTP status code"
     },
     "detail": {
      "type": "string",
      "description": "Explanation specific to this occurrence; never contains personal data"
     },
     "instance": {
      "type": "string",
      "description": "The request path"
     },
     "errors": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/FieldError"
      },
      "description": "Present when individual fields are invalid"
     }
    },
    "required": [
     "type",
     "title",
     "status",
     "detail",
     "instance"
    ],
    "description": "RFC 9457 problem details (application/problem+json)."
   },
   "FieldError": {
    "type": "object",
    "properties": {
     "pointer": {
      "type": "string",
      "description": "JSON pointer to the offending field (e.g. /complainant/email); query parameters are /query/<name>"
     },
     "detail": {
      "type": "string",
      "description": "What is wrong with the field"
     }
    },
    "required": [
     "pointer",
     "detail"
    ]
   },
   "Instant": {
    "type": "string",
    "format": "date-time",
    "description": "RFC 3339 date-time in UTC with milliseconds"
   },
   "State": {
    "type": "string",
    "enum": [
     "received",
     "acknowledged",
     "assessed",
     "under_investigation",
     "awaiting_complainant",
     "response_proposed",
     "decision_communicated",
     "closed",
     "reopened",
     "withdrawn",
     "referred"
    ],
    "description": "Lifecycle state (iso10002.md §4)"
   },
   "Action": {
    "type": "string",
    "enum": [
     "acknowledge",
     "assess",
     "investigate",
     "request_information",
     "provide_information",
     "propose_decision",
     "return_proposal",
     "communicate_decision",
     "review",
     "close",
     "close_early",
     "refer",
     "conclude_referral",
     "refer_back",
     "withdraw",
     "reopen"
    ]
   },
   "Channel": {
    "type": "string",
    "enum": [
     "web",
     "email",
     "phone",
     "letter",
     "in_person",
     "social_media",
     "api",
     "referral"
    ]
   },
   "Priority": {
    "type": "string",
    "enum": [
     "P1",
     "P2",
     "P3",
     "P4"
    ]
   },
   "Role": {
    "type": "string",
    "enum": [
     "handler",
     "investigator",
     "manager",
     "auditor",
     "admin"
    ]
   },
   "CauseCategory": {
    "type": "string",
    "enum": [
     "people",
     "process",
     "product",
     "system",
     "third_party",
     "policy"
    ]
   },
   "Reference": {
    "type": "string",
    "pattern": "^[A-Za-z]{1,8}-?[0-9]{4}-?[0-9]{6,}-?[A-Za-z]$",
    "examples": [
     "CMP-2026-000123-N"
    ],
    "description": "Tracking reference PREFIX-YYYY-NNNNNN-C; case-insensitive on input, hyphens optional"
   },
   "ComplainantInput": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string",
      "maxLength": 200
     },
     "organisation": {
      "type": "string",
      "maxLength": 200
     },
     "address": {
      "type": "string",
      "maxLength": 500
     },
     "email": {
      "type": "string",
      "maxLength": 254,
      "format": "email",
      "description": "At least one of email, phone or address is required"
     },
     "phone": {
      "type": "string",
      "maxLength": 40
     },
     "account_number": {
      "type": "string",
      "maxLength": 64
     },
     "is_customer": {
      "type": "boolean",
      "default": true
     }
    },
    "required": [
     "name"
    ],
    "additionalProperties": false
   },
   "RepresentativeInput": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string",
      "maxLength": 200
     },
     "relationship": {
      "type": "string",
      "maxLength": 100
     },
     "authority": {
      "type": "string",
      "maxLength": 500
     }
    },
    "additionalProperties": false
   },
   "ContactPreferenceInput": {
    "type": "object",
    "properties": {
     "channel": {
      "type": "string",
      "maxLength": 32
     },
     "times": {
      "type": "string",
      "maxLength": 200
     },
     "language": {
      "type": "string",
      "maxLength": 35
     },
     "format": {
      "type": "string",
      "maxLength": 100
     }
    },
    "additionalProperties": false
   },
   "NewComplaint": {
    "type": "object",
    "properties": {
     "complainant": {
      "$ref": "#/components/schemas/ComplainantInput"
     },
     "representative": {
      "$ref": "#/components/schemas/RepresentativeInput"
     },
     "contact_preference": {
      "$ref": "#/components/schemas/ContactPreferenceInput"
     },
     "channel": {
      "type": "string",
      "enum": [
       "web",
       "email",
       "phone",
       "letter",
       "in_person",
       "social_media",
       "api",
       "referral"
      ],
      "description": "Public callers: web or api (default api). Staff: any (default phone)."
     },
     "subject_type": {
      "type": "string",
      "enum": [
       "product",
       "service",
       "staff",
       "policy",
       "complaint_handling"
      ],
      "default": "product"
     },
     "product": {
      "type": "string",
      "maxLength": 200
     },
     "department": {
      "type": "string",
      "maxLength": 200
     },
     "location": {
      "type": "string",
      "maxLength": 200
     },
     "persons_named": {
      "type": "string",
      "maxLength": 500,
      "description": "Staff usernames or names mentioned; they are excluded from handling it"
     },
     "description": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1,
      "description": "The complaint in the complainant's words"
     },
     "remedy_requested": {
      "type": "string",
      "maxLength": 20000
     },
     "event_date": {
      "type": "string",
      "format": "date",
      "description": "Not in the future"
     },
     "immediate_action": {
      "type": "string",
      "maxLength": 2000
     },
     "accessibility_needs": {
      "type": "string",
      "maxLength": 2000
     },
     "vulnerability": {
      "type": "string",
      "maxLength": 2000
     },
     "received_at": {
      "type": "string",
      "format": "date-time",
      "description": "Staff only: first receipt on another channel; not in the future"
     },
     "flags": {
      "type": "array",
      "items": {
       "type": "string",
       "maxLength": 64
      },
      "maxItems": 16,
      "description": "Flags selecting clocks, e.g. hardship"
     },
     "survey_opt_out": {
      "type": "boolean",
      "default": false,
      "description": "The complainant does not want a satisfaction survey after closure"
     }
    },
    "required": [
     "complainant",
     "description"
    ],
    "additionalProperties": false
   },
   "ClockSummary": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "due": {
      "$ref": "#/components/schemas/Instant"
     },
     "local_due": {
      "type": "string",
      "format": "date"
     },
     "state": {
      "type": "string",
      "enum": [
       "running",
       "paused",
       "met",
       "breached",
       "stopped"
      ]
     }
    }
   },
   "Clock": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "rule": {
      "type": "string"
     },
     "state": {
      "type": "string",
      "enum": [
       "running",
       "paused",
       "met",
       "breached",
       "stopped"
      ]
     },
     "anchor": {
      "$ref": "#/components/schemas/Instant"
     },
     "due": {
      "$ref": "#/components/schemas/Instant"
     },
     "warn": {
      "$ref": "#/components/schemas/Instant"
     },
     "local_due": {
      "type": "string",
      "format": "date"
     },
     "warned": {
      "type": "boolean"
     },
     "breached": {
      "type": "boolean"
     },
     "paused_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "paused_ms": {
      "type": "integer"
     },
     "ended_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     }
    }
   },
   "Remedy": {
    "type": "object",
    "properties": {
     "type": {
      "type": "string",
      "maxLength": 64,
      "description": "apology, refund, repair…"
     },
     "amount_minor": {
      "type": "integer",
      "minimum": 0,
      "description": "Amount in minor units"
     },
     "currency": {
      "type": "string",
      "maxLength": 3,
      "description": "ISO 4217 code; required when amount_minor > 0"
     },
     "due": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "paid_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     }
    },
    "additionalProperties": false
   },
   "ComplainantDecision": {
    "type": "object",
    "properties": {
     "outcome": {
      "type": "string",
      "enum": [
       "upheld",
       "partly_upheld",
       "not_upheld"
      ]
     },
     "reasons": {
      "type": "string"
     },
     "remedy": {
      "$ref": "#/components/schemas/Remedy"
     },
     "communicated_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     }
    }
   },
   "ComplainantView": {
    "type": "object",
    "properties": {
     "reference": {
      "$ref": "#/components/schemas/Reference"
     },
     "state": {
      "$ref": "#/components/schemas/State"
     },
     "status": {
      "type": "string",
      "description": "Plain-language status"
     },
     "received_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "channel": {
      "$ref": "#/components/schemas/Channel"
     },
     "product": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "remedy_requested": {
      "type": "string"
     },
     "due": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "clocks": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ClockSummary"
      }
     },
     "question": {
      "type": [
       "string",
       "null"
      ],
      "description": "The open question while awaiting_complainant"
     },
     "updated_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "decision": {
      "$ref": "#/components/schemas/ComplainantDecision"
     },
     "closed_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "actions": {
      "type": "array",
      "items": {
       "type": "string",
       "enum": [
        "add_information",
        "withdraw"
       ]
      }
     },
     "survey": {
      "oneOf": [
       {
        "$ref": "#/components/schemas/Survey"
       },
       {
        "type": "null"
       }
      ]
     },
     "survey_open": {
      "type": "boolean",
      "description": "The satisfaction survey can be answered (closed, not yet answered)"
     },
     "survey_opted_out": {
      "type": "boolean"
     }
    },
    "required": [
     "reference",
     "state",
     "status",
     "received_at",
     "clocks",
     "actions"
    ],
    "description": "What the complainant sees: no internal notes, assignee or findings."
   },
   "CreatedComplaint": {
    "allOf": [
     {
      "$ref": "#/components/schemas/ComplainantView"
     },
     {
      "type": "object",
      "properties": {
       "secret": {
        "type": "string",
        "minLength": 26,
        "description": "Access secret (Crockford base32, ≥128 bits); shown only once"
       },
       "acknowledge_by": {
        "type": [
         "string",
         "null"
        ],
        "format": "date-time"
       },
       "respond_by": {
        "type": [
         "string",
         "null"
        ],
        "format": "date-time"
       },
       "acknowledged_at": {
        "$ref": "#/components/schemas/Instant"
       },
       "policy": {
        "type": "string",
        "description": "Policy id the clocks come from"
       },
       "status_url": {
        "type": "string"
       }
      },
      "required": [
       "secret",
       "acknowledge_by",
       "respond_by",
       "status_url"
      ]
     }
    ]
   },
   "ComplainantMessage": {
    "type": "object",
    "properties": {
     "at": {
      "$ref": "#/components/schemas/Instant"
     },
     "from": {
      "type": "string",
      "enum": [
       "you",
       "organisation"
      ]
     },
     "body": {
      "type": "string"
     }
    }
   },
   "ComplainantStatus": {
    "allOf": [
     {
      "$ref": "#/components/schemas/ComplainantView"
     },
     {
      "type": "object",
      "properties": {
       "messages": {
        "type": "array",
        "items": {
         "$ref": "#/components/schemas/ComplainantMessage"
        },
        "description": "Only notes with visibility complainant"
       }
      }
     }
    ]
   },
   "StatusInformationInput": {
    "type": "object",
    "properties": {
     "secret": {
      "type": "string",
      "maxLength": 100
     },
     "information": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     }
    },
    "required": [
     "secret",
     "information"
    ],
    "additionalProperties": false
   },
   "StatusWithdrawInput": {
    "type": "object",
    "properties": {
     "secret": {
      "type": "string",
      "maxLength": 100
     },
     "reason": {
      "type": "string",
      "maxLength": 20000
     }
    },
    "required": [
     "secret"
    ],
    "additionalProperties": false
   },
   "LoginInput": {
    "type": "object",
    "properties": {
     "username": {
      "type": "string",
      "maxLength": 64
     },
     "password": {
      "type": "string",
      "maxLength": 1024
     }
    },
    "required": [
     "username",
     "password"
    ],
    "additionalProperties": false
   },
   "Session": {
    "type": "object",
    "properties": {
     "token": {
      "type": "string",
      "description": "Bearer token (256 random bits)"
     },
     "username": {
      "type": "string"
     },
     "role": {
      "$ref": "#/components/schemas/Role"
     },
     "must_change_password": {
      "type": "boolean"
     },
     "expires_in": {
      "type": "integer",
      "description": "Seconds"
     }
    },
    "required": [
     "token",
     "username",
     "role",
     "expires_in"
    ]
   },
   "ChangePasswordInput": {
    "type": "object",
    "properties": {
     "current_password": {
      "type": "string"
     },
     "new_password": {
      "type": "string",
      "minLength": 12,
      "maxLength": 1024,
      "description": "Must differ from the current one"
     }
    },
    "required": [
     "current_password",
     "new_password"
    ],
    "additionalProperties": false
   },
   "User": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "username": {
      "type": "string"
     },
     "display_name": {
      "type": "string"
     },
     "role": {
      "$ref": "#/components/schemas/Role"
     },
     "disabled": {
      "type": "boolean"
     },
     "must_change_password": {
      "type": "boolean"
     },
     "created_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "csrf_token": {
      "type": "string",
      "description": "Only when the caller authenticated with the session cookie: the token to send as X-CSRF-Token on changes"
     }
    },
    "required": [
     "username",
     "role",
     "disabled"
    ]
   },
   "NewUser": {
    "type": "object",
    "properties": {
     "username": {
      "type": "string",
      "maxLength": 64,
      "pattern": "^[A-Za-z0-9._-]+$"
     },
     "role": {
      "$ref": "#/components/schemas/Role"
     },
     "password": {
      "type": "string",
      "minLength": 12,
      "maxLength": 1024
     },
     "display_name": {
      "type": "string",
      "maxLength": 200
     }
    },
    "required": [
     "username",
     "role",
     "password"
    ],
    "additionalProperties": false
   },
   "UserList": {
    "type": "object",
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/User"
      }
     }
    },
    "required": [
     "items"
    ]
   },
   "Assessment": {
    "type": "object",
    "properties": {
     "category": {
      "type": "string"
     },
     "flags": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "severity": {
      "type": "integer"
     },
     "safety": {
      "type": "string",
      "enum": [
       "none",
       "potential",
       "actual"
      ]
     },
     "complexity": {
      "type": "string",
      "enum": [
       "simple",
       "moderate",
       "complex"
      ]
     },
     "impact_complainant": {
      "type": "string"
     },
     "impact_organisation": {
      "type": "string"
     },
     "immediate_action_needed": {
      "type": "boolean"
     },
     "notes": {
      "type": "string"
     }
    }
   },
   "Decision": {
    "type": "object",
    "properties": {
     "outcome": {
      "type": "string",
      "enum": [
       "upheld",
       "partly_upheld",
       "not_upheld"
      ]
     },
     "reasons": {
      "type": "string"
     },
     "remedy": {
      "$ref": "#/components/schemas/Remedy"
     },
     "proposed_by": {
      "type": "string"
     },
     "proposed_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "approved_by": {
      "type": "string"
     },
     "communicated_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "acceptance": {
      "type": "string",
      "enum": [
       "pending",
       "accepts",
       "rejects",
       "no_reply"
      ]
     },
     "acceptance_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "acceptance_reasons": {
      "type": "string"
     }
    }
   },
   "Closure": {
    "type": "object",
    "properties": {
     "closed_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "closed_by": {
      "type": "string"
     },
     "reason": {
      "type": [
       "string",
       "null"
      ],
      "enum": [
       "resolved_accepted",
       "resolved_early",
       "no_reply",
       "rejected_recourse_given",
       "referral_concluded",
       "withdrawn",
       "duplicate",
       null
      ]
     },
     "cause": {
      "type": [
       "string",
       "null"
      ],
      "enum": [
       "people",
       "process",
       "product",
       "system",
       "third_party",
       "policy",
       null
      ]
     },
     "summary": {
      "type": "string"
     },
     "duplicate_of": {
      "type": "string"
     },
     "follow_up_on": {
      "type": [
       "string",
       "null"
      ],
      "format": "date",
      "description": "When staff check with the complainant that they are satisfied"
     },
     "follow_up_due": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time",
      "description": "The start of follow_up_on in the policy's zone"
     },
     "followed_up_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "followed_up_by": {
      "type": "string"
     },
     "follow_up_satisfied": {
      "type": [
       "boolean",
       "null"
      ],
      "description": "null until the follow-up is recorded"
     },
     "follow_up_note": {
      "type": "string"
     }
    }
   },
   "Referral": {
    "type": "object",
    "properties": {
     "body": {
      "type": "string"
     },
     "referred_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "external_reference": {
      "type": "string"
     },
     "reply_deadline": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "outcome": {
      "type": "string"
     }
    }
   },
   "StaffComplaint": {
    "type": "object",
    "properties": {
     "reference": {
      "$ref": "#/components/schemas/Reference"
     },
     "state": {
      "$ref": "#/components/schemas/State"
     },
     "version": {
      "type": "integer"
     },
     "received_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "logged_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "received_by": {
      "type": "string"
     },
     "channel": {
      "$ref": "#/components/schemas/Channel"
     },
     "complainant": {
      "type": "object",
      "properties": {
       "name": {
        "type": "string"
       },
       "organisation": {
        "type": "string"
       },
       "address": {
        "type": "string"
       },
       "email": {
        "type": "string"
       },
       "phone": {
        "type": "string"
       },
       "account_number": {
        "type": "string"
       },
       "is_customer": {
        "type": "boolean"
       }
      }
     },
     "representative": {
      "type": "object",
      "properties": {
       "name": {
        "type": "string"
       },
       "relationship": {
        "type": "string"
       },
       "authority": {
        "type": "string"
       }
      }
     },
     "contact_preference": {
      "type": "object",
      "properties": {
       "channel": {
        "type": "string"
       },
       "times": {
        "type": "string"
       },
       "language": {
        "type": "string"
       },
       "format": {
        "type": "string"
       }
      }
     },
     "accessibility_needs": {
      "type": "string"
     },
     "vulnerability": {
      "type": "string"
     },
     "subject": {
      "type": "object",
      "properties": {
       "type": {
        "type": "string",
        "enum": [
         "product",
         "service",
         "staff",
         "policy",
         "complaint_handling"
        ]
       },
       "product": {
        "type": "string"
       },
       "department": {
        "type": "string"
       },
       "location": {
        "type": "string"
       },
       "persons_named": {
        "type": "string"
       }
      }
     },
     "description": {
      "type": "string"
     },
     "remedy_requested": {
      "type": "string"
     },
     "event_date": {
      "type": [
       "string",
       "null"
      ],
      "format": "date"
     },
     "immediate_action": {
      "type": "string"
     },
     "assessment": {
      "$ref": "#/components/schemas/Assessment"
     },
     "priority": {
      "$ref": "#/components/schemas/Priority"
     },
     "escalated": {
      "type": "boolean"
     },
     "policy_id": {
      "type": "string"
     },
     "clocks": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Clock"
      }
     },
     "assignee": {
      "type": "string"
     },
     "investigator": {
      "type": "string"
     },
     "decision": {
      "$ref": "#/components/schemas/Decision"
     },
     "referral": {
      "$ref": "#/components/schemas/Referral"
     },
     "pending_question": {
      "type": "string"
     },
     "closure": {
      "$ref": "#/components/schemas/Closure"
     },
     "reopen_count": {
      "type": "integer"
     },
     "updated_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "source": {
      "type": "object",
      "description": "Where an imported complaint came from: system (e.g. cfpb, empty when received by Redress), id (the source's key) and fields (the source's other columns, verbatim)",
      "properties": {
       "system": {
        "type": "string"
       },
       "id": {
        "type": "string"
       },
       "fields": {
        "type": "object",
        "additionalProperties": {
         "type": "string"
        }
       }
      }
     },
     "due": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time",
      "description": "Earliest running due date"
     },
     "overdue": {
      "type": "boolean"
     },
     "allowed_actions": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Action"
      },
      "description": "Actions the lifecycle allows from this state (any actor)"
     },
     "survey": {
      "type": "object",
      "properties": {
       "answered_at": {
        "type": [
         "string",
         "null"
        ],
        "format": "date-time"
       },
       "handling": {
        "type": "integer"
       },
       "outcome": {
        "type": "integer"
       },
       "comment": {
        "type": "string"
       },
       "opted_out_at": {
        "type": [
         "string",
         "null"
        ],
        "format": "date-time",
        "description": "When the complainant asked not to be surveyed"
       }
      },
      "description": "The satisfaction survey (handling 0 = not answered)"
     },
     "my_operations": {
      "type": "array",
      "items": {
       "enum": [
        "assign",
        "escalate",
        "note",
        "attachment"
       ]
      },
      "description": "The other operations the caller's role may do on this complaint (POST .../assign, .../escalate, .../notes, .../attachments)"
     }
    },
    "required": [
     "reference",
     "state",
     "version",
     "allowed_actions"
    ],
    "description": "The full record for staff in scope."
   },
   "ComplaintFile": {
    "allOf": [
     {
      "$ref": "#/components/schemas/StaffComplaint"
     },
     {
      "type": "object",
      "properties": {
       "timeline": {
        "type": "array",
        "items": {
         "$ref": "#/components/schemas/Event"
        }
       },
       "notes": {
        "type": "array",
        "items": {
         "$ref": "#/components/schemas/Note"
        }
       },
       "attachments": {
        "type": "array",
        "items": {
         "$ref": "#/components/schemas/Attachment"
        }
       },
       "my_actions": {
        "type": "array",
        "items": {
         "$ref": "#/components/schemas/Action"
        },
        "description": "Actions the caller's role may take now"
       }
      },
      "required": [
       "timeline",
       "notes",
       "attachments",
       "my_actions"
      ]
     }
    ]
   },
   "ComplaintSummary": {
    "type": "object",
    "properties": {
     "reference": {
      "$ref": "#/components/schemas/Reference"
     },
     "state": {
      "$ref": "#/components/schemas/State"
     },
     "priority": {
      "$ref": "#/components/schemas/Priority"
     },
     "category": {
      "type": "string"
     },
     "product": {
      "type": "string"
     },
     "channel": {
      "$ref": "#/components/schemas/Channel"
     },
     "assignee": {
      "type": "string"
     },
     "received_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "due": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "overdue": {
      "type": "boolean"
     }
    }
   },
   "ComplaintPage": {
    "type": "object",
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ComplaintSummary"
      }
     },
     "next_cursor": {
      "type": [
       "string",
       "null"
      ],
      "description": "Pass as ?cursor= for the next page; null on the last page"
     }
    },
    "required": [
     "items",
     "next_cursor"
    ]
   },
   "Event": {
    "type": "object",
    "properties": {
     "seq": {
      "type": "integer"
     },
     "reference": {
      "type": "string"
     },
     "at": {
      "$ref": "#/components/schemas/Instant"
     },
     "actor": {
      "type": "string",
      "description": "Username, 'complainant' or 'system'"
     },
     "action": {
      "type": "string"
     },
     "before": {
      "description": "Changed fields before"
     },
     "after": {
      "description": "Changed fields after"
     },
     "hash": {
      "type": "string",
      "description": "Hash chaining this event to the previous one"
     }
    }
   },
   "EventList": {
    "type": "object",
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Event"
      }
     }
    },
    "required": [
     "items"
    ]
   },
   "Note": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "at": {
      "$ref": "#/components/schemas/Instant"
     },
     "author": {
      "type": "string"
     },
     "visibility": {
      "type": "string",
      "enum": [
       "internal",
       "complainant"
      ]
     },
     "body": {
      "type": "string"
     }
    }
   },
   "NoteList": {
    "type": "object",
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Note"
      }
     }
    },
    "required": [
     "items"
    ]
   },
   "NewNote": {
    "type": "object",
    "properties": {
     "body": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     },
     "visibility": {
      "type": "string",
      "enum": [
       "internal",
       "complainant"
      ],
      "default": "internal",
      "description": "complainant notes are shown on the status page; internal never are"
     }
    },
    "required": [
     "body"
    ],
    "additionalProperties": false
   },
   "Attachment": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "sha256": {
      "type": "string"
     },
     "content_type": {
      "type": "string"
     },
     "size": {
      "type": "integer"
     },
     "filename": {
      "type": "string"
     },
     "uploaded_by": {
      "type": "string"
     },
     "at": {
      "$ref": "#/components/schemas/Instant"
     }
    }
   },
   "EmptyInput": {
    "type": "object",
    "properties": {},
    "additionalProperties": false,
    "description": "No fields; an empty body is accepted"
   },
   "AssessInput": {
    "type": "object",
    "properties": {
     "category": {
      "type": "string",
      "maxLength": 200,
      "description": "A taxonomy node id, e.g. banking/current-account/fees"
     },
     "flags": {
      "type": "array",
      "items": {
       "type": "string",
       "maxLength": 64
      },
      "maxItems": 16
     },
     "severity": {
      "type": "integer",
      "minimum": 1,
      "maximum": 4
     },
     "safety": {
      "type": "string",
      "enum": [
       "none",
       "potential",
       "actual"
      ],
      "default": "none"
     },
     "complexity": {
      "type": "string",
      "enum": [
       "simple",
       "moderate",
       "complex"
      ],
      "default": "simple"
     },
     "impact_complainant": {
      "type": "string",
      "enum": [
       "none",
       "low",
       "medium",
       "high"
      ]
     },
     "impact_organisation": {
      "type": "string",
      "enum": [
       "none",
       "low",
       "medium",
       "high"
      ]
     },
     "immediate_action_needed": {
      "type": "boolean",
      "default": false
     },
     "notes": {
      "type": "string",
      "maxLength": 20000
     },
     "assignee": {
      "type": "string",
      "maxLength": 64,
      "description": "Conflict-checked against persons_named"
     }
    },
    "required": [
     "category",
     "severity"
    ],
    "additionalProperties": false
   },
   "InvestigateInput": {
    "type": "object",
    "properties": {
     "investigator": {
      "type": "string",
      "maxLength": 64,
      "description": "Required unless one is already set; conflict-checked"
     }
    },
    "additionalProperties": false
   },
   "RequestInformationInput": {
    "type": "object",
    "properties": {
     "question": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     }
    },
    "required": [
     "question"
    ],
    "additionalProperties": false
   },
   "ProvideInformationInput": {
    "type": "object",
    "properties": {
     "information": {
      "type": "string",
      "maxLength": 20000
     }
    },
    "additionalProperties": false
   },
   "ProposeDecisionInput": {
    "type": "object",
    "properties": {
     "outcome": {
      "type": "string",
      "enum": [
       "upheld",
       "partly_upheld",
       "not_upheld"
      ]
     },
     "reasons": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     },
     "remedy": {
      "$ref": "#/components/schemas/Remedy"
     }
    },
    "required": [
     "outcome",
     "reasons"
    ],
    "additionalProperties": false
   },
   "CloseInput": {
    "type": "object",
    "properties": {
     "cause": {
      "type": "string",
      "enum": [
       "people",
       "process",
       "product",
       "system",
       "third_party",
       "policy"
      ],
      "description": "Required unless already set"
     },
     "acceptance": {
      "type": "string",
      "enum": [
       "accepts",
       "rejects",
       "no_reply"
      ]
     },
     "reason": {
      "type": "string",
      "enum": [
       "resolved_accepted",
       "no_reply",
       "rejected_recourse_given"
      ]
     },
     "follow_up_on": {
      "type": "string",
      "format": "date",
      "description": "The follow-up date (not before today in the policy's zone); default: closure + the policy's follow_up_days, on a business day"
     }
    },
    "additionalProperties": false
   },
   "CloseEarlyInput": {
    "type": "object",
    "properties": {
     "summary": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     },
     "cause": {
      "$ref": "#/components/schemas/CauseCategory"
     },
     "duplicate_of": {
      "type": "string",
      "maxLength": 40,
      "description": "Reference of the original when closing a duplicate"
     },
     "follow_up_on": {
      "type": "string",
      "format": "date",
      "description": "The follow-up date (not before today in the policy's zone); default: closure + the policy's follow_up_days, on a business day"
     }
    },
    "required": [
     "summary",
     "cause"
    ],
    "additionalProperties": false
   },
   "ReferInput": {
    "type": "object",
    "properties": {
     "body": {
      "type": "string",
      "maxLength": 200,
      "minLength": 1,
      "description": "The external body"
     },
     "external_reference": {
      "type": "string",
      "maxLength": 100
     },
     "reply_deadline": {
      "type": "string",
      "format": "date-time"
     }
    },
    "required": [
     "body"
    ],
    "additionalProperties": false
   },
   "ConcludeReferralInput": {
    "type": "object",
    "properties": {
     "external_outcome": {
      "type": "string",
      "maxLength": 2000,
      "minLength": 1
     },
     "cause": {
      "$ref": "#/components/schemas/CauseCategory"
     },
     "follow_up_on": {
      "type": "string",
      "format": "date",
      "description": "The follow-up date (not before today in the policy's zone); default: closure + the policy's follow_up_days, on a business day"
     }
    },
    "required": [
     "external_outcome"
    ],
    "additionalProperties": false
   },
   "ReasonInput": {
    "type": "object",
    "properties": {
     "reason": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     }
    },
    "required": [
     "reason"
    ],
    "additionalProperties": false
   },
   "WithdrawInput": {
    "type": "object",
    "properties": {
     "reason": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1,
      "description": "How the complainant instructed the withdrawal"
     }
    },
    "required": [
     "reason"
    ],
    "additionalProperties": false
   },
   "AssignInput": {
    "type": "object",
    "properties": {
     "assignee": {
      "type": "string",
      "maxLength": 64,
      "description": "An active user not named in the complaint"
     }
    },
    "required": [
     "assignee"
    ],
    "additionalProperties": false
   },
   "EscalateInput": {
    "type": "object",
    "properties": {
     "reason": {
      "type": "string",
      "maxLength": 20000,
      "minLength": 1
     }
    },
    "required": [
     "reason"
    ],
    "additionalProperties": false
   },
   "PolicyClock": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "when_flag": {
      "type": "string"
     },
     "anchor": {
      "type": "string"
     },
     "unit": {
      "type": "string"
     },
     "count": {
      "type": "integer"
     },
     "citation": {
      "type": "string"
     }
    }
   },
   "Policy": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "regime": {
      "type": "string"
     },
     "effective_from": {
      "type": "string"
     },
     "time_zone": {
      "type": "string",
      "description": "IANA time zone"
     },
     "pause_allowed": {
      "type": "boolean"
     },
     "warn_fraction": {
      "type": "number"
     },
     "ombudsman": {
      "type": "object",
      "properties": {
       "name": {
        "type": "string"
       },
       "url": {
        "type": "string"
       },
       "time_limit": {
        "type": "string"
       }
      }
     },
     "clocks": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/PolicyClock"
      }
     }
    },
    "required": [
     "id",
     "name",
     "clocks"
    ]
   },
   "PolicyList": {
    "type": "object",
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Policy"
      }
     },
     "default": {
      "type": "string",
      "description": "Policy id for new complaints"
     }
    },
    "required": [
     "items",
     "default"
    ]
   },
   "AuditReport": {
    "type": "object",
    "properties": {
     "ok": {
      "type": "boolean"
     },
     "events": {
      "type": "integer"
     },
     "head_hash": {
      "type": "string"
     },
     "first_bad_seq": {
      "type": "integer"
     },
     "problem": {
      "type": "string"
     }
    },
    "required": [
     "ok",
     "events",
     "head_hash"
    ]
   },
   "Health": {
    "type": "object",
    "properties": {
     "status": {
      "type": "string",
      "enum": [
       "ok",
       "store-failed"
      ]
     }
    },
    "required": [
     "status"
    ]
   },
   "Survey": {
    "type": "object",
    "properties": {
     "answered_at": {
      "$ref": "#/components/schemas/Instant"
     },
     "handling": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
     },
     "outcome": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
     }
    },
    "required": [
     "answered_at",
     "handling",
     "outcome"
    ],
    "description": "The complainant's answer to the satisfaction survey: ratings 1 (very dissatisfied) to 5 (very satisfied) of the handling and of the outcome"
   },
   "SurveyInput": {
    "type": "object",
    "properties": {
     "secret": {
      "type": "string"
     },
     "handling": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
     },
     "outcome": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
     },
     "comment": {
      "type": "string",
      "maxLength": 4000
     }
    },
    "required": [
     "secret",
     "handling",
     "outcome"
    ],
    "additionalProperties": false
   },
   "SavedView": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "query": {
      "type": "string",
      "description": "The list query string (as for GET /api/v1/complaints)"
     },
     "updated_at": {
      "$ref": "#/components/schemas/Instant"
     }
    },
    "required": [
     "name",
     "query",
     "updated_at"
    ]
   },
   "SavedViewInput": {
    "type": "object",
    "properties": {
     "query": {
      "type": "string",
      "maxLength": 2000
     }
    },
    "required": [
     "query"
    ],
    "additionalProperties": false
   },
   "Dashboard": {
    "type": "object",
    "properties": {
     "weeks": {
      "type": "integer"
     },
     "open_by_state": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "state": {
         "$ref": "#/components/schemas/State"
        },
        "count": {
         "type": "integer",
         "minimum": 0
        }
       },
       "required": [
        "state",
        "count"
       ]
      }
     },
     "open_by_age": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "bucket": {
         "enum": [
          "le_3_business_days",
          "le_4_weeks",
          "le_8_weeks",
          "gt_8_weeks"
         ]
        },
        "count": {
         "type": "integer",
         "minimum": 0
        }
       },
       "required": [
        "bucket",
        "count"
       ]
      }
     },
     "on_time": {
      "type": "object",
      "properties": {
       "acknowledge": {
        "type": "object",
        "properties": {
         "met": {
          "type": "integer",
          "minimum": 0
         },
         "breached": {
          "type": "integer",
          "minimum": 0
         },
         "rate": {
          "type": [
           "number",
           "null"
          ],
          "description": "met / (met + breached); null when both are 0"
         }
        },
        "required": [
         "met",
         "breached",
         "rate"
        ]
       },
       "resolve": {
        "type": "object",
        "properties": {
         "met": {
          "type": "integer",
          "minimum": 0
         },
         "breached": {
          "type": "integer",
          "minimum": 0
         },
         "rate": {
          "type": [
           "number",
           "null"
          ],
          "description": "met / (met + breached); null when both are 0"
         }
        },
        "required": [
         "met",
         "breached",
         "rate"
        ]
       }
      },
      "required": [
       "acknowledge",
       "resolve"
      ]
     },
     "volume_by_week": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "week": {
         "type": "string",
         "format": "date",
         "description": "The Monday (UTC) that starts the week"
        },
        "count": {
         "type": "integer",
         "minimum": 0
        }
       },
       "required": [
        "week",
        "count"
       ]
      }
     },
     "by_category": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "category": {
         "type": "string"
        },
        "count": {
         "type": "integer",
         "minimum": 0
        }
       },
       "required": [
        "category",
        "count"
       ]
      }
     }
    },
    "required": [
     "weeks",
     "open_by_state",
     "open_by_age",
     "on_time",
     "volume_by_week",
     "by_category"
    ]
   },
   "RoleInfo": {
    "type": "object",
    "properties": {
     "role": {
      "$ref": "#/components/schemas/Role"
     },
     "description": {
      "type": "string"
     },
     "permissions": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "METHOD /pattern of every route the role may call"
     }
    },
    "required": [
     "role",
     "description",
     "permissions"
    ]
   },
   "NotificationList": {
    "type": "object",
    "required": [
     "items"
    ],
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Notification"
      }
     }
    }
   },
   "Notification": {
    "type": "object",
    "required": [
     "id",
     "kind",
     "channel",
     "language",
     "recipient",
     "state",
     "attempts",
     "created_at",
     "next_attempt_at",
     "sent_at",
     "last_error",
     "message_id"
    ],
    "properties": {
     "id": {
      "type": "integer"
     },
     "kind": {
      "enum": [
       "acknowledgement",
       "information_request",
       "holding_response",
       "final_response",
       "survey_invitation"
      ]
     },
     "channel": {
      "const": "email"
     },
     "language": {
      "type": "string"
     },
     "recipient": {
      "type": "string"
     },
     "state": {
      "enum": [
       "pending",
       "sent",
       "failed"
      ]
     },
     "attempts": {
      "type": "integer"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "next_attempt_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "sent_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "last_error": {
      "type": "string"
     },
     "message_id": {
      "type": [
       "string",
       "null"
      ]
     }
    }
   },
   "MailReceipt": {
    "type": "object",
    "required": [
     "outcome",
     "reference",
     "reopened"
    ],
    "properties": {
     "outcome": {
      "enum": [
       "created",
       "added",
       "duplicate"
      ]
     },
     "reference": {
      "type": "string"
     },
     "reopened": {
      "type": "boolean"
     }
    }
   },
   "Kpis": {
    "type": "object",
    "description": "Key figures of a set of complaints; a rate is null when its denominator is 0.",
    "properties": {
     "received": {
      "type": "integer"
     },
     "open": {
      "type": "integer"
     },
     "closed": {
      "type": "integer"
     },
     "ack_on_time": {
      "type": [
       "number",
       "null"
      ]
     },
     "final_on_time": {
      "type": [
       "number",
       "null"
      ]
     },
     "decided": {
      "type": "integer"
     },
     "upheld": {
      "type": [
       "number",
       "null"
      ]
     },
     "partly_upheld": {
      "type": [
       "number",
       "null"
      ]
     },
     "not_upheld": {
      "type": [
       "number",
       "null"
      ]
     },
     "redress_minor": {
      "type": "integer"
     },
     "redressed": {
      "type": "integer"
     },
     "redress_mean_minor": {
      "type": [
       "number",
       "null"
      ]
     },
     "reopen_rate": {
      "type": [
       "number",
       "null"
      ]
     },
     "referral_rate": {
      "type": [
       "number",
       "null"
      ]
     },
     "early_resolution": {
      "type": [
       "number",
       "null"
      ]
     },
     "surveys": {
      "type": "integer"
     },
     "survey_response": {
      "type": [
       "number",
       "null"
      ]
     },
     "satisfaction_handling": {
      "type": [
       "number",
       "null"
      ]
     },
     "satisfaction_outcome": {
      "type": [
       "number",
       "null"
      ]
     }
    },
    "required": [
     "received",
     "open",
     "closed"
    ]
   },
   "Annotation": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "day": {
      "type": "string",
      "format": "date"
     },
     "kind": {
      "type": "string",
      "enum": [
       "launch",
       "policy_change",
       "incident",
       "other",
       "deleted"
      ]
     },
     "label": {
      "type": "string"
     },
     "scope": {
      "type": [
       "object",
       "null"
      ],
      "additionalProperties": {
       "type": "string"
      }
     },
     "created_by": {
      "type": "string"
     },
     "created_at": {
      "type": "string"
     }
    },
    "required": [
     "id",
     "day",
     "kind",
     "label"
    ]
   },
   "AnnotationInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "day": {
      "type": "string",
      "format": "date"
     },
     "kind": {
      "type": "string",
      "enum": [
       "launch",
       "policy_change",
       "incident",
       "other"
      ]
     },
     "label": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "scope": {
      "type": "object",
      "description": "One dimension and its value, e.g. {\"product\": \"Credit card\"}",
      "additionalProperties": {
       "type": "string"
      },
      "maxProperties": 1
     }
    },
    "required": [
     "day",
     "label"
    ]
   },
   "Spike": {
    "type": "object",
    "properties": {
     "dimension": {
      "type": "string"
     },
     "value": {
      "type": "string"
     },
     "week": {
      "type": "string",
      "format": "date"
     },
     "count": {
      "type": "integer"
     },
     "baseline_median": {
      "type": "number"
     },
     "z": {
      "type": [
       "number",
       "string"
      ],
      "description": "a number, or \"inf\" for a rise over a flat baseline"
     }
    }
   },
   "ParetoRow": {
    "type": "object",
    "properties": {
     "key": {
      "type": "string"
     },
     "count": {
      "type": "integer"
     },
     "redress_minor": {
      "type": "integer"
     },
     "share": {
      "type": "number"
     },
     "cumulative": {
      "type": "number"
     },
     "vital": {
      "type": "boolean"
     }
    }
   },
   "AnalyticsDashboard": {
    "type": "object",
    "properties": {
     "from": {
      "type": [
       "string",
       "null"
      ]
     },
     "to": {
      "type": [
       "string",
       "null"
      ],
      "description": "The last day of the period, as asked for"
     },
     "kpis": {
      "$ref": "#/components/schemas/Kpis"
     },
     "previous": {
      "oneOf": [
       {
        "$ref": "#/components/schemas/Kpis"
       },
       {
        "type": "null"
       }
      ]
     },
     "weekly": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "week": {
         "type": "string"
        },
        "received": {
         "type": "integer"
        }
       }
      }
     },
     "annotations": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Annotation"
      }
     },
     "spikes": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Spike"
      }
     },
     "by_category": {
      "type": "array",
      "items": {
       "allOf": [
        {
         "$ref": "#/components/schemas/Kpis"
        },
        {
         "type": "object",
         "properties": {
          "key": {
           "type": "string"
          }
         }
        }
       ]
      }
     },
     "by_product": {
      "type": "array",
      "items": {
       "allOf": [
        {
         "$ref": "#/components/schemas/Kpis"
        },
        {
         "type": "object",
         "properties": {
          "key": {
           "type": "string"
          }
         }
        }
       ]
      }
     },
     "by_channel": {
      "type": "array",
      "items": {
       "allOf": [
        {
         "$ref": "#/components/schemas/Kpis"
        },
        {
         "type": "object",
         "properties": {
          "key": {
           "type": "string"
          }
         }
        }
       ]
      }
     },
     "resolve_days": {
      "type": "object",
      "properties": {
       "resolved": {
        "type": "integer"
       },
       "p50": {
        "type": [
         "integer",
         "null"
        ]
       },
       "p90": {
        "type": [
         "integer",
         "null"
        ]
       }
      }
     },
     "open_by_age": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "bucket": {
         "type": "string"
        },
        "count": {
         "type": "integer"
        }
       }
      }
     },
     "pareto_causes": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ParetoRow"
      }
     },
     "objectives": {
      "type": "array",
      "description": "The KPI objectives (policies/objectives.toml) with the period's figure",
      "items": {
       "type": "object",
       "properties": {
        "kpi": {
         "type": "string"
        },
        "name": {
         "type": "string"
        },
        "objective": {
         "type": "number"
        },
        "higher_is_better": {
         "type": "boolean"
        },
        "share": {
         "type": "boolean",
         "description": "A share 0..1; false: a mean rating 1..5"
        },
        "actual": {
         "type": [
          "number",
          "null"
         ]
        },
        "met": {
         "type": [
          "boolean",
          "null"
         ]
        }
       }
      }
     }
    },
    "required": [
     "kpis",
     "weekly"
    ]
   },
   "RootCauseInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "title": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "method": {
      "type": "string",
      "enum": [
       "five_whys",
       "fishbone",
       "other"
      ]
     },
     "category": {
      "type": "string",
      "enum": [
       "people",
       "process",
       "product",
       "system",
       "third_party",
       "policy"
      ]
     },
     "whys": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "maxItems": 10
     },
     "description": {
      "type": "string"
     },
     "complaints": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "minItems": 1
     }
    },
    "required": [
     "title",
     "complaints"
    ]
   },
   "RootCause": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "title": {
      "type": "string"
     },
     "method": {
      "type": "string"
     },
     "category": {
      "type": [
       "string",
       "null"
      ]
     },
     "whys": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "description": {
      "type": "string"
     },
     "complaints": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "created_by": {
      "type": "string"
     },
     "created_at": {
      "type": "string"
     },
     "updated_at": {
      "type": "string"
     }
    },
    "required": [
     "id",
     "title",
     "complaints"
    ]
   },
   "CorrectiveActionInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "root_cause_id": {
      "type": "integer"
     },
     "kind": {
      "type": "string",
      "enum": [
       "corrective",
       "preventive"
      ]
     },
     "title": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "owner": {
      "type": "string"
     },
     "due": {
      "type": "string",
      "format": "date"
     },
     "status": {
      "type": "string",
      "enum": [
       "planned",
       "in_progress",
       "done",
       "cancelled"
      ]
     },
     "check": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
       "measure": {
        "type": "string",
        "enum": [
         "volume",
         "upheld_rate",
         "final_on_time",
         "satisfaction"
        ]
       },
       "where": {
        "type": "object",
        "additionalProperties": {
         "type": "string"
        }
       },
       "window": {
        "type": "string",
        "enum": [
         "week",
         "month"
        ]
       },
       "below": {
        "type": "boolean"
       },
       "threshold": {
        "type": "number"
       },
       "check_on": {
        "type": "string",
        "format": "date"
       }
      },
      "required": [
       "threshold",
       "check_on"
      ]
     }
    },
    "required": [
     "root_cause_id",
     "title",
     "owner",
     "due",
     "check"
    ]
   },
   "CorrectiveAction": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "root_cause_id": {
      "type": "integer"
     },
     "kind": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "owner": {
      "type": "string"
     },
     "due": {
      "type": "string"
     },
     "status": {
      "type": "string"
     },
     "done_at": {
      "type": [
       "string",
       "null"
      ]
     },
     "check": {
      "type": "object",
      "properties": {
       "measure": {
        "type": "string"
       },
       "where": {
        "type": "object"
       },
       "window": {
        "type": "string"
       },
       "below": {
        "type": "boolean"
       },
       "threshold": {
        "type": "number"
       },
       "check_on": {
        "type": "string"
       },
       "evaluated_at": {
        "type": [
         "string",
         "null"
        ]
       },
       "measured": {
        "type": [
         "number",
         "null"
        ]
       },
       "effective": {
        "type": [
         "boolean",
         "null"
        ]
       }
      }
     },
     "attention": {
      "type": [
       "string",
       "null"
      ],
      "enum": [
       "overdue",
       "ineffective",
       "check due",
       null
      ]
     },
     "created_by": {
      "type": "string"
     },
     "created_at": {
      "type": "string"
     },
     "updated_at": {
      "type": "string"
     }
    },
    "required": [
     "id",
     "title",
     "check"
    ]
   },
   "Audit": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "auditor": {
      "type": "string"
     },
     "from": {
      "type": "string"
     },
     "to": {
      "type": "string"
     },
     "size": {
      "type": "integer"
     },
     "seed": {
      "type": "string"
     },
     "population": {
      "type": "integer"
     },
     "items": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "reference": {
         "type": "string"
        },
        "checks": {
         "type": "array",
         "items": {
          "type": "object",
          "properties": {
           "name": {
            "type": "string"
           },
           "passed": {
            "type": "boolean"
           },
           "detail": {
            "type": "string"
           }
          }
         }
        },
        "severity": {
         "type": "string",
         "enum": [
          "none",
          "minor",
          "major",
          "critical"
         ]
        },
        "note": {
         "type": "string"
        },
        "reviewed_by": {
         "type": "string"
        },
        "reviewed_at": {
         "type": [
          "string",
          "null"
         ]
        }
       }
      }
     },
     "created_at": {
      "type": "string"
     }
    },
    "required": [
     "id",
     "seed",
     "items"
    ]
   },
   "AuditInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "from": {
      "type": "string",
      "format": "date"
     },
     "to": {
      "type": "string",
      "format": "date"
     },
     "size": {
      "type": "integer",
      "minimum": 1,
      "maximum": 500,
      "default": 20
     },
     "seed": {
      "type": "string",
      "pattern": "^[0-9]+$"
     }
    },
    "required": [
     "from",
     "to"
    ]
   },
   "FindingInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "severity": {
      "type": "string",
      "enum": [
       "none",
       "minor",
       "major",
       "critical"
      ]
     },
     "note": {
      "type": "string",
      "maxLength": 4000
     }
    },
    "required": [
     "severity"
    ]
   },
   "ComplaintsReturn": {
    "type": "object",
    "properties": {
     "from": {
      "type": "string"
     },
     "to": {
      "type": "string"
     },
     "by_product": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "product_group": {
         "type": "string"
        },
        "cause": {
         "type": "string"
        },
        "open_at_start": {
         "type": "integer"
        },
        "opened": {
         "type": "integer"
        },
        "closed": {
         "type": "integer"
        },
        "upheld": {
         "type": "integer"
        },
        "upheld_pct": {
         "type": [
          "number",
          "null"
         ]
        },
        "within_3_business_days": {
         "type": "integer"
        },
        "within_8_weeks": {
         "type": "integer"
        },
        "later": {
         "type": "integer"
        },
        "redress_minor": {
         "type": "integer"
        },
        "open_at_end": {
         "type": "integer"
        }
       }
      }
     },
     "by_cause": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "product_group": {
         "type": "string"
        },
        "cause": {
         "type": "string"
        },
        "open_at_start": {
         "type": "integer"
        },
        "opened": {
         "type": "integer"
        },
        "closed": {
         "type": "integer"
        },
        "upheld": {
         "type": "integer"
        },
        "upheld_pct": {
         "type": [
          "number",
          "null"
         ]
        },
        "within_3_business_days": {
         "type": "integer"
        },
        "within_8_weeks": {
         "type": "integer"
        },
        "later": {
         "type": "integer"
        },
        "redress_minor": {
         "type": "integer"
        },
        "open_at_end": {
         "type": "integer"
        }
       }
      }
     }
    }
   },
   "FollowUpInput": {
    "type": "object",
    "properties": {
     "satisfied": {
      "type": "boolean",
      "description": "Whether the complainant confirmed they are satisfied"
     },
     "note": {
      "type": "string",
      "maxLength": 4000
     }
    },
    "required": [
     "satisfied"
    ],
    "additionalProperties": false
   },
   "SurveyOptOutInput": {
    "type": "object",
    "properties": {
     "secret": {
      "type": "string"
     }
    },
    "required": [
     "secret"
    ],
    "additionalProperties": false
   }
  },
  "parameters": {
   "reference": {
    "name": "reference",
    "in": "path",
    "required": true,
    "schema": {
     "$ref": "#/components/schemas/Reference"
    },
    "description": "Tracking reference; case-insensitive, hyphens optional"
   },
   "attachmentId": {
    "name": "id",
    "in": "path",
    "required": true,
    "schema": {
     "type": "integer",
     "minimum": 1
    },
    "description": "Attachment id"
   },
   "policyId": {
    "name": "id",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    },
    "description": "Policy id, e.g. iso-default, fca-disp, cfpb, asic-rg271"
   },
   "username": {
    "name": "username",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "pattern": "^[A-Za-z0-9._-]{1,64}$"
    }
   },
   "secret": {
    "name": "secret",
    "in": "query",
    "required": true,
    "schema": {
     "type": "string"
    },
    "description": "The access secret issued at creation"
   },
   "IdempotencyKey": {
    "name": "Idempotency-Key",
    "in": "header",
    "required": false,
    "schema": {
     "type": "string",
     "maxLength": 200
    },
    "description": "Repeating a create with the same key and body replays the original 201; the same key with a different body is 422 (idempotency-key-reused)"
   },
   "state": {
    "name": "state",
    "in": "query",
    "schema": {
     "$ref": "#/components/schemas/State"
    }
   },
   "category": {
    "name": "category",
    "in": "query",
    "schema": {
     "type": "string"
    },
    "description": "Taxonomy node id"
   },
   "priority": {
    "name": "priority",
    "in": "query",
    "schema": {
     "$ref": "#/components/schemas/Priority"
    }
   },
   "assignee": {
    "name": "assignee",
    "in": "query",
    "schema": {
     "type": "string"
    }
   },
   "overdue": {
    "name": "overdue",
    "in": "query",
    "schema": {
     "type": "string",
     "enum": [
      "true",
      "false",
      "1",
      "0"
     ]
    },
    "description": "Only open complaints past a due date"
   },
   "received_from": {
    "name": "received_from",
    "in": "query",
    "schema": {
     "type": "string",
     "format": "date-time"
    },
    "description": "Received at or after (date or date-time)"
   },
   "received_to": {
    "name": "received_to",
    "in": "query",
    "schema": {
     "type": "string",
     "format": "date-time"
    },
    "description": "Received at or before (date or date-time)"
   },
   "q": {
    "name": "q",
    "in": "query",
    "schema": {
     "type": "string",
     "maxLength": 200
    },
    "description": "Full-text search"
   },
   "cursor": {
    "name": "cursor",
    "in": "query",
    "schema": {
     "type": "string"
    },
    "description": "next_cursor of the previous page"
   },
   "limit": {
    "name": "limit",
    "in": "query",
    "schema": {
     "type": "integer",
     "minimum": 1,
     "maximum": 200,
     "default": 50
    }
   },
   "viewName": {
    "name": "name",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "minLength": 1,
     "maxLength": 100
    },
    "description": "Name of a saved view (percent-encoded)"
   },
   "sort": {
    "name": "sort",
    "in": "query",
    "required": false,
    "schema": {
     "enum": [
      "newest",
      "oldest",
      "due",
      "priority"
     ],
     "default": "newest"
    },
    "description": "Order: newest (received, newest first), oldest, due (open complaints only, earliest due first), priority (P1 first, then newest). Not with q. A cursor continues only the order it was made for."
   },
   "recordId": {
    "name": "id",
    "in": "path",
    "required": true,
    "schema": {
     "type": "integer",
     "minimum": 1
    }
   },
   "follow_up_due": {
    "name": "follow_up_due",
    "in": "query",
    "schema": {
     "type": "string",
     "enum": [
      "true",
      "false",
      "1",
      "0"
     ]
    },
    "description": "Only closed complaints whose follow-up date has come and whose follow-up is not recorded"
   },
   "factFrom": {
    "name": "from",
    "in": "query",
    "required": false,
    "description": "First day of receipt (YYYY-MM-DD, UTC)",
    "schema": {
     "type": "string",
     "format": "date"
    }
   },
   "factTo": {
    "name": "to",
    "in": "query",
    "required": false,
    "description": "Last day of receipt, inclusive",
    "schema": {
     "type": "string",
     "format": "date"
    }
   },
   "factCategory": {
    "name": "category",
    "in": "query",
    "required": false,
    "description": "Only complaints whose category is this value",
    "schema": {
     "type": "string"
    }
   },
   "factProduct": {
    "name": "product",
    "in": "query",
    "required": false,
    "description": "Only complaints whose product is this value",
    "schema": {
     "type": "string"
    }
   },
   "factChannel": {
    "name": "channel",
    "in": "query",
    "required": false,
    "description": "Only complaints whose channel is this value",
    "schema": {
     "type": "string"
    }
   },
   "factDepartment": {
    "name": "department",
    "in": "query",
    "required": false,
    "description": "Only complaints whose department is this value",
    "schema": {
     "type": "string"
    }
   },
   "factLocation": {
    "name": "location",
    "in": "query",
    "required": false,
    "description": "Only complaints whose location is this value",
    "schema": {
     "type": "string"
    }
   },
   "factHandler": {
    "name": "handler",
    "in": "query",
    "required": false,
    "description": "Only complaints whose handler is this value",
    "schema": {
     "type": "string"
    }
   },
   "factCause": {
    "name": "cause",
    "in": "query",
    "required": false,
    "description": "Only complaints whose cause is this value",
    "schema": {
     "type": "string"
    }
   },
   "factState": {
    "name": "state",
    "in": "query",
    "required": false,
    "description": "Only complaints whose state is this value",
    "schema": {
     "type": "string"
    }
   },
   "factPolicy": {
    "name": "policy",
    "in": "query",
    "required": false,
    "description": "Only complaints whose policy is this value",
    "schema": {
     "type": "string"
    }
   },
   "factCurrency": {
    "name": "currency",
    "in": "query",
    "required": false,
    "description": "Only complaints whose currency is this value",
    "schema": {
     "type": "string"
    }
   },
   "csvFormat": {
    "name": "format",
    "in": "query",
    "required": false,
    "description": "json (default) or csv",
    "schema": {
     "type": "string",
     "enum": [
      "json",
      "csv"
     ]
    }
   },
   "periodFrom": {
    "name": "from",
    "in": "query",
    "required": true,
    "description": "First day",
    "schema": {
     "type": "string",
     "format": "date"
    }
   },
   "periodTo": {
    "name": "to",
    "in": "query",
    "required": true,
    "description": "Last day, inclusive",
    "schema": {
     "type": "string",
     "format": "date"
    }
   }
  },
  "responses": {
   "BadRequest": {
    "description": "Malformed request: the body is not JSON, or not a JSON object",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Unauthenticated": {
    "description": "No valid session token (missing, expired, logged out or user disabled)",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Forbidden": {
    "description": "The caller's role may not do this (type forbidden, action-not-permitted, authority-limit, second-approver)",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "NotFound": {
    "description": "No such resource, or out of the caller's scope; a wrong complainant secret is answered like an unknown reference",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "MethodNotAllowed": {
    "description": "The path exists but not with this method; the Allow header lists the methods",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "headers": {
     "Allow": {
      "schema": {
       "type": "string"
      },
      "description": "Allowed methods"
     }
    }
   },
   "Conflict": {
    "description": "Illegal transition for the current state (type illegal-transition, detail names the state and allowed actions) or conflict of interest (type conflict-of-interest)",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "PayloadTooLarge": {
    "description": "Body over the limit: 64 KiB for JSON, 10 MiB for attachments",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "UnsupportedMediaType": {
    "description": "Content-Type not accepted (JSON routes need application/json; attachments must match their declared type)",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Invalid": {
    "description": "Invalid, unknown or missing fields; errors[].pointer names each",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "RateLimited": {
    "description": "Too many failed attempts on this reference; see Retry-After",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "integer"
      },
      "description": "Seconds"
     }
    }
   },
   "HeadersTooLarge": {
    "description": "Request line and headers exceed 8 KiB",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Internal": {
    "description": "Internal error",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "Unavailable": {
    "description": "Overloaded or store unavailable; see Retry-After",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "integer"
      },
      "description": "Seconds"
     }
    }
   }
  }
 }
})json";
  // clang-format on
  return kDocument;
}

}  // namespace redress::http
