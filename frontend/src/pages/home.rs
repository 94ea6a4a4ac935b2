use crate::components::{
    committee_plans::{CommitteePlanForm, CommitteePlanList},
    entry_list::EntryList,
    findings::MyFindings,
    record_form::RecordForm,
    sync_bar::SyncBar,
};
use crate::i18n::{t, tr};
use crate::pages::login::LoginPage;
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::forms::{forms_for, FormKind};
use shared::ids::DocId;

/// Where the home page is: which form is open, and which record is being corrected.
/// Findings, empty states, the entry list and 需确认 set it to open the form that
/// resolves what they say (issue 14).
#[derive(Clone, Copy)]
pub struct Nav {
    pub chosen: RwSignal<Option<FormKind>>,
    /// The record whose 修改 form is open instead of a new record's.
    pub editing: RwSignal<Option<(FormKind, String)>>,
}

impl Nav {
    /// Opens the form of `kind` (a new record) and scrolls to it.
    pub fn open(self, kind: FormKind) {
        let _ = crate::storage::set("form", kind.slug());
        self.stop_editing();
        self.chosen.set(Some(kind));
        scroll_to("form-tabs");
    }

    /// Opens the 修改 form of one record; it stays open across a reload (with its draft).
    pub fn edit(self, kind: FormKind, id: String) {
        if let Some(me) = crate::storage::get::<String>("me") {
            crate::drafts::set_open_edit(&me, Some((kind.slug(), &id)));
        }
        self.editing.set(Some((kind, id)));
        scroll_to("form-tabs");
    }

    /// Back to the new record's form (saved, cancelled, or another form chosen).
    pub fn stop_editing(self) {
        if let Some(me) = crate::storage::get::<String>("me") {
            crate::drafts::set_open_edit(&me, None);
        }
        self.editing.set(None);
    }
}

/// The 修改 form the person left open, if its record is still on this phone.
fn reopened_edit() -> Option<(FormKind, String)> {
    let me = crate::storage::get::<String>("me")?;
    let (slug, id) = crate::drafts::open_edit(&me)?;
    let kind = FormKind::from_slug(&slug)?;
    Some((kind, id))
}

/// Brings an element into view after the current render.
pub fn scroll_to(id: &'static str) {
    leptos::task::spawn_local(async move {
        if let Some(el) = document().get_element_by_id(id) {
            el.scroll_into_view();
        }
    });
}

#[component]
pub fn HomePage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let log_out = move |_| {
        if let Some(session) = sync.session.get_untracked() {
            // Only the person's own entries: whatever else this phone holds is not
            // theirs to worry about (and stays in its owner's storage).
            sync.refresh();
            let pending = sync.my_pending.get_untracked();
            let warning = t("home.logout_pending").replace("{}", &pending.to_string());
            if pending > 0 && !window().confirm_with_message(&warning).unwrap_or(false) {
                return;
            }
            spawn_local(async move {
                crate::auth::logout(&session).await;
                // A fresh start gives the next user a fresh actor and their own storage.
                let _ = window().location().reload();
            });
        }
    };
    // The form last used is the likeliest next one; kept across reloads.
    let chosen =
        RwSignal::new(crate::storage::get::<String>("form").and_then(|s| FormKind::from_slug(&s)));
    let nav = Nav {
        chosen,
        editing: RwSignal::new(reopened_edit()),
    };
    provide_context(nav);
    let body = move || {
        let Some(session) = sync.session.get() else {
            return view! { <LoginPage /> }.into_any();
        };
        let me_bar = {
            let session = session.clone();
            move |detail: String| {
                view! {
                    <section class="me">
                        <strong id="me-name">{session.account.name.clone()}</strong>
                        <span>{detail}</span>
                        <button id="logout" type="button" class="link" on:click=log_out>{t("home.logout")}</button>
                    </section>
                }
            }
        };
        if let Some(committee) = sync.my_committee() {
            let committee_name = sync
                .registry
                .get()
                .and_then(|r| {
                    r.committees
                        .get(&session.account.org)
                        .map(|c| c.name.clone())
                })
                .unwrap_or_default();
            return view! {
                {me_bar(format!("{} · {}", tr(session.role_label()), committee_name))}
                <CommitteePlanForm committee=committee.clone() me=session.account.id.clone() />
                <CommitteePlanList committee=committee />
                <crate::components::export_import::ExportImport />
            }
            .into_any();
        }
        if !session.is_field() {
            return view! {
                {me_bar(session.role_label().to_string())}
                <p class="empty">{t("home.county_account")}</p>
            }
            .into_any();
        }
        let Some(registry) = sync.registry.get() else {
            return view! {
                <p class="empty">{t("home.first_use")}</p>
            }
            .into_any();
        };
        let Some(person) = registry.person(&session.account.id).cloned() else {
            return view! {
                {me_bar(tr(session.role_label()))}
                <p class="empty">{t("home.not_in_roster")}</p>
            }
            .into_any();
        };
        let Ok(branch) = DocId::branch(person.branch.clone()) else {
            return view! { <p class="empty">{t("home.bad_branch")}</p> }.into_any();
        };
        let branch_name = registry
            .branches
            .get(&person.branch)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        // Stored, so the tab bar and the reactive `current` share one list (it is `Copy`).
        let kinds = StoredValue::new(forms_for(person.role));
        let current = move || {
            let chosen = chosen.get();
            kinds.with_value(|ks| chosen.filter(|k| ks.contains(k)).unwrap_or(ks[0]))
        };
        let form = {
            let (person, branch, registry) = (person.clone(), branch.clone(), registry.clone());
            move || {
                // 修改 opens the record's own form in place of the new record's.
                let open_edit = nav.editing.get().filter(|(kind, id)| {
                    // One reopened after a reload must be this person's (a shared phone's
                    // previous user left theirs in their own storage) and of a record
                    // this phone still holds.
                    let mine = crate::drafts::open_edit(&person.id)
                        .is_some_and(|(k, i)| k == kind.slug() && i == *id);
                    let records = crate::engine::records(&branch);
                    mine && shared::forms::entry_of(&records, *kind, id).is_some()
                });
                if let Some((kind, id)) = open_edit {
                    return view! {
                        <RecordForm kind=kind person=person.clone() branch=branch.clone()
                            registry=registry.clone() edit=id />
                    }
                    .into_any();
                }
                let kind = current();
                view! {
                    <RecordForm kind=kind person=person.clone() branch=branch.clone()
                        registry=registry.clone() />
                }
                .into_any()
            }
        };
        view! {
            {me_bar(format!("{} · {}", tr(person.role.label()), branch_name))}
            // Issue 13: 「您已调至 …」 when the county office moved or retired this person.
            <crate::components::registry_notice::RegistryNotice />
            <crate::components::rollover::Rollover me=person.clone() branch=branch.clone() registry=registry.clone() />
            // The forms first (issue 14): at 360×740 a secretary's twenty findings used to
            // push them a screen and a half down.
            <nav class="form-tabs" id="form-tabs" aria-label=t("home.form_kinds")>
                {kinds.get_value().into_iter().map(|k| {
                    view! {
                        <button type="button" id=format!("tab-{}", k.slug())
                            aria-pressed=move || (current() == k && nav.editing.get().is_none()).to_string()
                            on:click=move |_| {
                                let _ = crate::storage::set("form", k.slug());
                                nav.stop_editing();
                                chosen.set(Some(k));
                            }>
                            {tr(k.label())}
                        </button>
                    }
                }).collect_view()}
            </nav>
            {form}
            <crate::components::conflicts::Conflicts branch=branch.clone() me=person.id.clone() />
            <MyFindings me=person.id.clone() branch=branch.clone() registry=registry.clone() />
            <EntryList me=person branch=branch registry=registry />
            <crate::components::export_import::ExportImport />
        }
        .into_any()
    };
    view! {
        <SyncBar />
        <ClockWarning />
        {body}
    }
}

/// 手机时间不准: the phone's clock is more than five minutes off the server's, as learned
/// at the last login or sync. Entries are dated by the corrected time anyway.
#[component]
pub fn ClockWarning() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    move || {
        crate::clock::skew(sync.clock_offset.get()).map(|(n, unit)| {
            let by = format!("{n}{}", t(unit));
            view! {
                <p class="banner warning" id="clock-warning" role="alert">
                    {t("clock.wrong").replace("{}", &by)}
                </p>
            }
        })
    }
}
