//! The console's side navigation: every page one click away, who is logged in, 退出登录.
//! Committee staff see the pages that are theirs too; the server scopes what each answers.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::access::AccountRole;
use shared::registry_admin::Session;

#[component]
pub fn SideNav(session: Session, #[prop(into)] on_logout: Callback<()>) -> impl IntoView {
    // Committee staff (issue 18) get the same console over their committee's part; the
    // county office's own pages (all of the county's records, inspections) are not theirs.
    let county = AccountRole::from_code(&session.account.role) != Some(AccountRole::CommitteeStaff);
    view! {
        <nav class="side-nav no-print" id="side-nav" aria-label="工作台">
            <p class="brand">"三联共建"
                <small>{if county { "县委组织部工作台" } else { "党（工）委工作台" }}</small>
            </p>
            <A href="/office" exact=true>{if county { "县级总览" } else { "本委总览" }}</A>
            <A href="/office/search">"查询记录"</A>
            {county.then(|| view! {
                <A href="/office/county">"全县记录"</A>
                <A href="/office/inspection">"登记检查"</A>
            })}
            <p class="group">"信息库"</p>
            <A href="/office/registry" exact=true>"党组织与人员"</A>
            <A href="/office/registry/import">"导入/导出"</A>
            <A href="/office/accounts">"账号与登录凭条"</A>
            <div class="who">
                <p id="office-user">{session.account.name.clone()}<small>{session.role_label()}</small></p>
                <button type="button" id="office-logout" on:click=move |_| on_logout.run(())>"退出登录"</button>
            </div>
        </nav>
    }
}
