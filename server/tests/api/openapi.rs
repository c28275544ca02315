use reqwest::{Method, StatusCode};

use crate::both_modes;
use crate::helpers::spawn_app;

both_modes! {
    async fn the_openapi_document_describes_the_api(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/api/v1/openapi.json").await;
        assert_eq!(res.status(), StatusCode::OK);
        let doc: serde_json::Value = res.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
        assert!(doc["paths"]["/api/v1/workspaces/{workspace_id}/diagnostics"]["post"]["responses"]["202"].is_object(), "{doc}");
        assert!(doc["paths"]["/api/v1/workspaces/{workspace_id}/jobs/{id}"]["get"]["responses"]["404"].is_object(), "{doc}");
        assert!(doc["paths"]["/api/v1/sessions"]["post"]["responses"]["429"].is_object(), "{doc}");
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer", "{doc}");
        let schemas = &doc["components"]["schemas"];
        for name in ["JobView", "JobAccepted", "ApiErrorBody", "Readiness", "ErrorCode", "JobStatus", "SessionView", "WorkspaceView", "Role", "AuditPage"] {
            assert!(schemas[name].is_object(), "missing schema {name}: {doc}");
        }
        let statuses: Vec<&str> =
            schemas["JobStatus"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(statuses, ["queued", "running", "succeeded", "failed"]);
    }

    async fn every_documented_operation_is_served(mode: Mode) {
        let app = spawn_app(mode).await;
        let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 4);
        for (path, operations) in paths {
            let mut concrete = path.clone();
            for param in ["{id}", "{workspace_id}", "{user_id}", "{invitation_id}", "{key_id}", "{token}"] {
                concrete = concrete.replace(param, &uuid::Uuid::new_v4().to_string());
            }
            for method in operations.as_object().unwrap().keys() {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let res = app.client.request(method.clone(), format!("{}{concrete}", app.address)).send().await.unwrap();
                let status = res.status();
                let body = res.text().await.unwrap();
                assert!(
                    !body.contains("API endpoint not found")
                        && !body.contains("Page not found")
                        && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but not served: {status} {body}"
                );
            }
        }
    }
}
