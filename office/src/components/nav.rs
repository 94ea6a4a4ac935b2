//! The console's side navigation: every page one click away, who is logged in, 退出登录.
//! Committee staff see the same list; the server scopes what each page answers.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::registry_admin::Session;

#[component]
pub fn SideNav(session: Session, #[prop(into)] on_logout: Callback<()>) -> impl IntoView {
    view! {
        <nav class="side-nav no-print" id="side-nav" aria-label="工作台">
            <p class="brand">"三联共建"<small>"县委组织部工作台"</small></p>
            <A href="/office" exact=true>"县级总览"</A>
            <A href="/office/search">"查询记录"</A>
            <A href="/office/county">"全县记录"</A>
            <A href="/office/inspection">"登记检查"</A>
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
