//! The OpenAPI 3 description of the JSON side of `/open311/v2/`, written by
//! hand (the XML side has the same fields under the spec's element names).
//! Schemathesis runs against it in CI.

use axum::Json;
use serde_json::{Value, json};

/// `GET /open311/v2/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}

fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn query(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": description})
}

fn errors(codes: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for code in codes {
        out.insert(
            (*code).to_owned(),
            json!({"description": "Errors", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}),
        );
    }
    Value::Object(out)
}

fn ok(schema: Value, mut errs: Value) -> Value {
    if let Some(map) = errs.as_object_mut() {
        map.insert(
            "200".into(),
            json!({"description": "OK", "content": {"application/json": {"schema": schema}}}),
        );
    }
    errs
}

fn array(item: &str) -> Value {
    json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}})
}

fn form(required: &[&str], fields: Value) -> Value {
    json!({"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": required, "properties": fields
    }}}})
}

fn spec() -> Value {
    let key = query("api_key", "A partner organisation's key; also shows what that partner may see.");
    let lang = json!({"name": "lang", "in": "query", "required": false,
        "schema": {"type": "string", "enum": ["sv", "en"]}, "description": "Names in Swedish (default) or English."});
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Trygg Open311 GeoReport v2",
            "version": "2",
            "description": "Open311 GeoReport v2 with mySociety's service request updates. Every resource also \
                answers as XML (.xml) with the same fields. Dates are ISO 8601 with the Europe/Stockholm offset; \
                ids and codes are strings. Errors are lists of {code, description}."
        },
        "paths": paths(&key, &lang),
        "components": {"schemas": schemas()}
    })
}

fn paths(key: &Value, lang: &Value) -> Value {
    let date =
        |n: &str| query(n, "ISO 8601 date-time with offset, e.g. 2025-06-07T07:32:06+02:00, or a date.");
    json!({
        "/open311/v2/discovery.json": {"get": {"summary": "Where the endpoint is and what it speaks",
            "responses": ok(json!({"$ref": "#/components/schemas/Discovery"}), json!({}))}},
        "/open311/v2/services.json": {"get": {"summary": "Service list (incident categories)",
            "parameters": [key, lang, query("jurisdiction_id", "Accepted and ignored.")],
            "responses": ok(array("Service"), errors(&["400", "403"]))}},
        "/open311/v2/services/{service_code}.json": {"get": {"summary": "Service definition",
            "parameters": [{"name": "service_code", "in": "path", "required": true,
                "schema": {"type": "string", "minLength": 1}}, key],
            "responses": ok(json!({"$ref": "#/components/schemas/ServiceDefinition"}), errors(&["400", "403", "404"]))}},
        "/open311/v2/requests.json": {
            "get": {"summary": "Service requests, newest first (default: the last 90 days, at most 1000)",
                "parameters": [key, lang, query("service_request_id", "Ids separated by commas; overrides the other filters."),
                    query("service_code", "Codes separated by commas."),
                    query("status", "open, closed, or open,closed."),
                    date("start_date"), date("end_date"), date("updated_after"), date("updated_before"),
                    query("page", "Page number from 1."), query("page_size", "1 to 1000 (default 1000).")],
                "responses": ok(array("ServiceRequest"), errors(&["400", "403"]))},
            "post": {"summary": "Create a service request (a partner's api_key, or anonymous if the city allows it)",
                "requestBody": form(&["service_code"], json!({
                    "api_key": text("The partner organisation's key."),
                    "service_code": text("A code from services.json."),
                    "lat": {"type": "number"}, "long": {"type": "number"},
                    "address_string": text("Accepted; not used for placing the request."),
                    "address_id": text("A Trygg place code, e.g. tensta-centrum."),
                    "description": text("What was seen (no personal identity numbers)."),
                    "email": text("Anonymous residents only: an address for feedback."),
                    "first_name": text("Ignored: never stored."), "last_name": text("Ignored: never stored."),
                    "phone": text("Ignored: never stored."), "media_url": text("Ignored."),
                    "jurisdiction_id": text("Accepted and ignored.")})),
                "responses": ok(array("CreatedRequest"), errors(&["400", "403"]))}
        },
        "/open311/v2/requests/{service_request_id}.json": {"get": {"summary": "One service request (a list of one)",
            "parameters": [{"name": "service_request_id", "in": "path", "required": true,
                "schema": {"type": "string", "minLength": 1}}, key, lang],
            "responses": ok(array("ServiceRequest"), errors(&["400", "403", "404"]))}},
        "/open311/v2/servicerequestupdates.json": {
            "get": {"summary": "Public updates of public requests, oldest first (at most 1000)",
                "parameters": [key, date("start_date"), date("end_date")],
                "responses": ok(array("RequestUpdate"), errors(&["400", "403"]))},
            "post": {"summary": "A partner's update to a request it is responsible for",
                "requestBody": form(&["api_key", "service_request_id", "status"], json!({
                    "api_key": text("The partner organisation's key."),
                    "service_request_id": text("The request."),
                    "status": {"type": "string", "enum": ["OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED",
                        "INVESTIGATING", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "REOPEN"]},
                    "description": text("A public note."),
                    "duplicate_of": text("With DUPLICATE: the request this one duplicates."),
                    "update_id": text("The client's id; ignored."),
                    "updated_datetime": text("The client's time; checked, then ours is used.")})),
                "responses": ok(array("PostedUpdate"), errors(&["400", "403", "404"]))}
        },
        "/open311/v2/openapi.json": {"get": {"summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    })
}

fn schemas() -> Value {
    let s = json!({"type": "string"});
    let ns = json!({"type": "string", "nullable": true});
    let nn = json!({"type": "number", "nullable": true});
    json!({
        "Errors": {"type": "array", "items": {"type": "object", "required": ["code", "description"],
            "properties": {"code": s, "description": s}}},
        "Discovery": {"type": "object", "required": ["changeset", "contact", "endpoints"], "properties": {
            "changeset": s, "contact": s, "key_service": s,
            "endpoints": {"type": "array", "items": {"type": "object", "properties": {
                "specification": s, "url": s, "changeset": s, "type": s,
                "formats": {"type": "array", "items": s}}}}}},
        "Service": {"type": "object",
            "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
            "properties": {"service_code": s, "service_name": s, "description": s, "metadata": {"type": "boolean"},
                "type": {"type": "string", "enum": ["realtime"]}, "keywords": s, "group": s}},
        "ServiceDefinition": {"type": "object", "required": ["service_code", "attributes"], "properties": {
            "service_code": s, "attributes": {"type": "array", "items": {"type": "object"}}}},
        "ServiceRequest": {"type": "object",
            "required": ["service_request_id", "status", "service_name", "service_code", "requested_datetime",
                "updated_datetime"],
            "properties": {"service_request_id": s, "status": {"type": "string", "enum": ["open", "closed"]},
                "status_notes": s, "service_name": s, "service_code": s, "description": s,
                "agency_responsible": s, "service_notice": s, "address": s, "address_id": ns,
                "requested_datetime": s, "updated_datetime": s, "expected_datetime": s,
                "lat": nn, "long": nn, "media_url": s}},
        "CreatedRequest": {"type": "object", "required": ["service_request_id"], "properties": {
            "service_request_id": s, "service_notice": s, "account_id": ns}},
        "RequestUpdate": {"type": "object",
            "required": ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"],
            "properties": {"update_id": s, "service_request_id": s, "status": s, "updated_datetime": s,
                "description": s, "media_url": s}},
        "PostedUpdate": {"type": "object", "required": ["update_id"], "properties": {"update_id": s, "account_id": s}}
    })
}
