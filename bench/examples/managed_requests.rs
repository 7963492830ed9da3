//! Write the `managed-all` workload's requests as JSON lines (the shape `iamc eval --requests`
//! reads), for the peak-RSS measurement in bench/README.md:
//! `cargo run --release -p iamc-bench --example managed_requests > /tmp/managed-requests.jsonl`.
use iamc_harness::request::ContextValue;

fn main() {
    let w = iamc_bench::managed_all();
    for (i, r) in w.requests.iter().enumerate() {
        let ctx: serde_json::Map<String, serde_json::Value> = r
            .context
            .entries
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    ContextValue::Single(s) => serde_json::json!(s),
                    ContextValue::Multi(l) => serde_json::json!(l),
                };
                (k.clone(), v)
            })
            .collect();
        let line = serde_json::json!({
            "id": format!("m{i}"),
            "principal": r.principal,
            "action": r.action,
            "resource": r.resource,
            "context": ctx,
        });
        println!("{line}");
    }
}
