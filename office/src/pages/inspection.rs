//! Recording a quarterly or random inspection of a party organisation: what was found and
//! what must be followed up. The server validates and answers in Chinese; nothing typed
//! is lost on an error.

use crate::components::api::fetched;
use gloo_net::http::Request;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::office::Overview;

#[component]
pub fn OfficeInspectionPage() -> impl IntoView {
    let overview = fetched::<Overview>(|| Some("/api/office/overview".into()));
    let date = RwSignal::new(crate::components::api::today());
    let kind = RwSignal::new("Quarterly".to_string());
    let inspectors = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    let found = RwSignal::new(String::new());
    let follow_up = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = serde_json::json!({
            "date": date.get(),
            "kind": kind.get(),
            "inspectors": inspectors.get(),
            "findings": [{ "org": org.get(), "found": found.get(), "follow_up": follow_up.get() }],
        });
        spawn_local(async move {
            let sent = Request::post("/api/office/inspections")
                .header("Authorization", &crate::auth::bearer())
                .json(&body)
                .map_err(|e| e.to_string());
            let result = match sent {
                Err(e) => Err(e),
                Ok(req) => match req.send().await {
                    Err(_) => Err("无法连接服务器，请联网后再提交（已填内容仍保留）".to_string()),
                    Ok(resp) if resp.ok() => Ok("检查记录已保存".to_string()),
                    Ok(resp) => Err(crate::auth::error_text(&resp).await),
                },
            };
            if result.is_ok() {
                found.set(String::new());
                follow_up.set(String::new());
            }
            message.set(Some(result));
        });
    };
    view! {
        <section class="card office" id="office-inspection">
            <h2>"登记检查"</h2>
            <form on:submit=submit>
                <label>"检查日期" <input type="date" name="date" bind:value=date required /></label>
                <label>"类别"
                    <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="Quarterly">"季度检查"</option>
                        <option value="Random">"不定期检查"</option>
                    </select>
                </label>
                <label>"检查人" <input name="inspectors" bind:value=inspectors placeholder="如 组织股 王某某" /></label>
                <label>"被检查的党委（工委）"
                    <select name="org" on:change=move |ev| org.set(event_target_value(&ev))>
                        <option value="">"请选择"</option>
                        {move || overview.get().and_then(Result::ok).map(|o| o.committees.into_iter()
                            .map(|c| view! { <option value=c.id.clone()>{c.name.clone()}</option> })
                            .collect_view())}
                    </select>
                </label>
                <label>"检查发现" <textarea name="found" bind:value=found rows="3"></textarea></label>
                <label>"整改要求" <textarea name="follow_up" bind:value=follow_up rows="2"></textarea></label>
                <button type="submit" class="primary" id="inspection-submit">"保存"</button>
            </form>
            {move || message.get().map(|m| {
                let (class, role, text) = match m {
                    Ok(t) => ("saved", "status", t),
                    Err(e) => ("field-error", "alert", e),
                };
                view! { <p class=class role=role>{text}</p> }
            })}
        </section>
    }
}
