//! Requests and approvals (申請・承認): request types are data (fields, a workflow of states and
//! transitions, who may perform each transition, the register row written on the way), and one
//! pure function decides every transition, including separation of duties (5.3).
//!
//! The request types the regulation names, with their approvers as written there, are in
//! `data/request_types.json`; organisations may change the roles.

use crate::register::FieldDef;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who may perform a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Performer {
    /// The requester only (withdraw, resubmit).
    Requester,
    /// Holders of the type's approver roles.
    Approver,
    /// Holders of the type's completer roles (approver roles when none are given).
    Completer,
    /// Holders of the type's implementer roles (change requests).
    Implementer,
}

/// One transition of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Action name (approve, reject, return, withdraw, complete, resubmit, plan, implement,
    /// emergency …).
    pub action: String,
    /// States it leaves from.
    pub from: Vec<String>,
    /// The state it leads to.
    pub to: String,
    /// Who may perform it.
    pub by: Performer,
    /// A comment is required (reject, return).
    #[serde(default)]
    pub comment_required: bool,
    /// Starts an after-the-fact approval deadline of this many days (emergency changes).
    #[serde(default)]
    pub deadline_days: Option<i64>,
    /// An attachment is required (the erasure certificate of a disposal).
    #[serde(default)]
    pub attachment_required: bool,
    /// Who is told by mail when it happens.
    #[serde(default)]
    pub notify: Vec<Performer>,
}

/// A workflow: states and transitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workflow {
    /// Key.
    pub key: String,
    /// The state a new request starts in.
    pub initial: String,
    /// Final states (nothing leaves them).
    pub terminal: Vec<String>,
    /// Transitions.
    pub transitions: Vec<Transition>,
    /// Who is told by mail when a request is submitted.
    #[serde(default)]
    pub notify_on_submit: Vec<Performer>,
}

impl Workflow {
    /// Who is told when `action` left `from` (`submit` has no `from`).
    pub fn audience(&self, action: &str, from: Option<&str>) -> &[Performer] {
        match from {
            None => &self.notify_on_submit,
            Some(f) => self
                .transitions
                .iter()
                .find(|t| t.action == action && t.from.iter().any(|x| x == f))
                .map(|t| t.notify.as_slice())
                .unwrap_or(&[]),
        }
    }
}

/// The roles an audience stands for in a request with these field values (`None`: the
/// requester).
pub fn audience_roles<'a>(t: &'a RequestType, p: &Performer, fields: &Map<String, Value>) -> Option<&'a [String]> {
    match p {
        Performer::Requester => None,
        other => Some(roles_for_request(t, other, fields)),
    }
}

/// How a request writes a register row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterLink {
    /// Register key.
    pub register: String,
    /// The action that creates the row.
    pub create_on: String,
    /// Register field ← value: `$field:KEY` (a request field), `$requester`, `$actor`,
    /// `$approver` (who approved), `$today`, `$number`, or a literal.
    pub create: Map<String, Value>,
    /// A later action that updates the same row, with its values.
    #[serde(default)]
    pub update_on: Option<String>,
    /// Values the update sets.
    #[serde(default)]
    pub update: Map<String, Value>,
    /// Only for requests whose field holds one of some values (a cloud-service request writes a
    /// supplier on 導入, not on 利用終了); none: every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<FieldIn>,
}

/// A condition on a request field: it holds one of `values` (as stored: the choice text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIn {
    /// Field key.
    pub field: String,
    /// Values.
    #[serde(rename = "in")]
    pub values: Vec<String>,
}

impl FieldIn {
    /// Whether `fields` meet the condition (a request without the field does not).
    pub fn holds(&self, fields: &Map<String, Value>) -> bool {
        fields.get(&self.field).and_then(Value::as_str).is_some_and(|v| self.values.iter().any(|x| x == v))
    }
}

impl RegisterLink {
    /// Whether a request with these field values writes the row.
    pub fn applies(&self, fields: &Map<String, Value>) -> bool {
        self.when.as_ref().is_none_or(|w| w.holds(fields))
    }
}

/// A request type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestType {
    /// Key (`media_takeout` …).
    pub key: String,
    /// Japanese name.
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Annex A controls it implements, with the regulation's paragraph.
    pub controls: Vec<String>,
    /// Roles that approve (the regulation's wording in `approver_note`).
    pub approver_roles: Vec<String>,
    /// Approver roles that replace `approver_roles` when a field holds one of some values (the
    /// first rule that matches wins; a request without the field matches none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approver_roles_when: Vec<RolesWhen>,
    /// Roles that complete it (defaults to the approvers).
    #[serde(default)]
    pub completer_roles: Vec<String>,
    /// Roles that implement it (change requests).
    #[serde(default)]
    pub implementer_roles: Vec<String>,
    /// What the regulation says about the approval.
    #[serde(default)]
    pub approver_note: String,
    /// The approver must differ from every earlier actor of the request, not only the requester.
    #[serde(default)]
    pub distinct_approver: bool,
    /// Workflow key.
    pub workflow: String,
    /// Fields.
    pub fields: Vec<FieldDef>,
    /// Register row written on the way.
    #[serde(default)]
    pub register: Option<RegisterLink>,
    /// A date field after which an approved, uncompleted request is overdue (a return date).
    #[serde(default)]
    pub due_field: Option<String>,
    /// Rows a request refers to that an action marks (a medium 持出中 on approval, 保管中 on
    /// return).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<RowMark>,
    /// Revision of the shipped definition: an organisation's stored copy with a lower one is
    /// upgraded (its chosen roles kept).
    #[serde(default)]
    pub revision: u32,
}

/// A data-driven change to the row a reference field names: when `on` happens, the row of the
/// field's register gets `set` (literal values, validated by the register).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowMark {
    /// The action.
    pub on: String,
    /// The request's reference field naming the row.
    pub field: String,
    /// Register field ← value.
    pub set: Map<String, Value>,
}

/// A data-driven approver rule: when `field` holds one of `values`, `roles` approve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesWhen {
    /// The condition.
    #[serde(flatten)]
    pub when: FieldIn,
    /// The roles that approve then.
    pub roles: Vec<String>,
}

impl RequestType {
    /// The roles that approve a request with these field values: the first matching
    /// `approver_roles_when` rule's, else `approver_roles`.
    pub fn approvers_for<'a>(&'a self, fields: &Map<String, Value>) -> &'a [String] {
        self.approver_roles_when
            .iter()
            .find(|w| w.when.holds(fields))
            .map(|w| w.roles.as_slice())
            .unwrap_or(&self.approver_roles)
    }

    /// Every role that may approve some request of this type.
    pub fn all_approver_roles(&self) -> impl Iterator<Item = &String> {
        self.approver_roles.iter().chain(self.approver_roles_when.iter().flat_map(|w| w.roles.iter()))
    }
}

/// The catalogue shipped with mamori.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    /// Workflows.
    pub workflows: Vec<Workflow>,
    /// Request types.
    pub types: Vec<RequestType>,
}

/// The shipped workflows and request types.
pub fn catalogue() -> Result<Catalogue, String> {
    serde_json::from_str(include_str!("../data/request_types.json")).map_err(|e| e.to_string())
}

/// Who is acting, and the request's history of actors.
#[derive(Debug, Clone)]
pub struct Acting<'a> {
    /// The actor's user id.
    pub user_id: &'a str,
    /// The actor's role keys.
    pub role_keys: &'a [String],
    /// The requester's user id.
    pub requester_id: &'a str,
    /// User ids of everyone who performed an earlier transition.
    pub earlier: &'a [String],
    /// The request's field values (approver rules read them).
    pub fields: &'a Map<String, Value>,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such action from this state.
    NotFromState,
    /// The actor holds none of the roles the transition needs.
    NotAllowed,
    /// Separation of duties (5.3): the requester approving or completing their own request, or
    /// an earlier actor approving when the type requires a fresh approver.
    SeparationOfDuties,
    /// A comment is required.
    CommentRequired,
    /// An attachment is required.
    AttachmentRequired,
}

/// The decided transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// New state.
    pub to: String,
    /// Days to an after-the-fact approval deadline, when the transition starts one.
    pub deadline_days: Option<i64>,
}

fn roles_for_request<'a>(t: &'a RequestType, by: &Performer, fields: &Map<String, Value>) -> &'a [String] {
    match by {
        Performer::Requester => &[],
        Performer::Approver => t.approvers_for(fields),
        Performer::Completer if !t.completer_roles.is_empty() => &t.completer_roles,
        Performer::Completer => t.approvers_for(fields),
        Performer::Implementer if !t.implementer_roles.is_empty() => &t.implementer_roles,
        Performer::Implementer => t.approvers_for(fields),
    }
}

/// Decides `action` on a request of type `t` in `state`.
pub fn decide(
    t: &RequestType,
    wf: &Workflow,
    state: &str,
    action: &str,
    who: &Acting<'_>,
    comment: &str,
    attachments: usize,
) -> Result<Step, Refusal> {
    let tr = wf
        .transitions
        .iter()
        .find(|tr| tr.action == action && tr.from.iter().any(|f| f == state))
        .ok_or(Refusal::NotFromState)?;
    let is_requester = who.user_id == who.requester_id;
    match tr.by {
        Performer::Requester => {
            if !is_requester {
                return Err(Refusal::NotAllowed);
            }
        }
        ref by => {
            let approving = matches!(by, Performer::Approver | Performer::Completer);
            if approving && is_requester {
                return Err(Refusal::SeparationOfDuties);
            }
            if !roles_for_request(t, by, who.fields).iter().any(|r| who.role_keys.contains(r)) {
                return Err(Refusal::NotAllowed);
            }
            if *by == Performer::Approver && t.distinct_approver && who.earlier.iter().any(|e| e == who.user_id) {
                return Err(Refusal::SeparationOfDuties);
            }
        }
    }
    if tr.comment_required && comment.trim().is_empty() {
        return Err(Refusal::CommentRequired);
    }
    if tr.attachment_required && attachments == 0 {
        return Err(Refusal::AttachmentRequired);
    }
    Ok(Step { to: tr.to.clone(), deadline_days: tr.deadline_days })
}

/// The actions `who` may take now (for buttons); separation of duties is applied.
pub fn available(t: &RequestType, wf: &Workflow, state: &str, who: &Acting<'_>) -> Vec<String> {
    let mut out: Vec<String> = wf
        .transitions
        .iter()
        .filter(|tr| tr.from.iter().any(|f| f == state))
        .filter(|tr| {
            !matches!(
                decide(t, wf, state, &tr.action, who, "x", 1),
                Err(Refusal::NotAllowed | Refusal::SeparationOfDuties | Refusal::NotFromState)
            )
        })
        .map(|tr| tr.action.clone())
        .collect();
    out.dedup();
    out
}

/// Values for a register row from a request (see [`RegisterLink::create`]).
pub fn register_values(
    spec: &Map<String, Value>,
    fields: &Map<String, Value>,
    people: (&str, &str, &str),
    today: &str,
    number: &str,
) -> Map<String, Value> {
    let (requester, approver, actor) = people;
    spec.iter()
        .map(|(k, v)| {
            let value = match v.as_str() {
                Some("$requester") => Value::from(requester),
                Some("$actor") => Value::from(actor),
                Some("$approver") => Value::from(approver),
                Some("$today") => Value::from(today),
                Some("$number") => Value::from(number),
                Some(s) if s.starts_with("$field:") => fields.get(&s[7..]).cloned().unwrap_or(Value::Null),
                _ => v.clone(),
            };
            (k.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        catalogue().unwrap_or_else(|e| panic!("{e}"))
    }

    fn ty<'a>(c: &'a Catalogue, key: &str) -> (&'a RequestType, &'a Workflow) {
        let t = c.types.iter().find(|t| t.key == key).unwrap_or_else(|| panic!("{key}"));
        let wf = c.workflows.iter().find(|w| w.key == t.workflow).unwrap_or_else(|| panic!("{}", t.workflow));
        (t, wf)
    }

    fn roles(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_type_is_complete() {
        let c = cat();
        let keys: Vec<&str> = c.types.iter().map(|t| t.key.as_str()).collect();
        for k in [
            "external_transfer",
            "network_use",
            "third_party_access",
            "cloud_service",
            "recording_device",
            "bring_in_device",
            "confidential_takeout",
            "media_takeout",
            "disposal",
            "privileged_id",
            "software_install",
            "router_change",
            "change_request",
            "account",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
        for t in &c.types {
            assert!(!t.approver_roles.is_empty() && !t.controls.is_empty() && !t.fields.is_empty(), "{}", t.key);
            let wf = c.workflows.iter().find(|w| w.key == t.workflow).unwrap_or_else(|| panic!("{}", t.key));
            for tr in &wf.transitions {
                assert!(!tr.from.is_empty());
            }
            if let Some(r) = &t.register {
                assert!(wf.transitions.iter().any(|tr| tr.action == r.create_on), "{}", t.key);
            }
        }
    }

    #[test]
    fn media_takeout_state_machine_and_separation_of_duties() {
        let none = Map::new();
        let c = cat();
        let (t, wf) = ty(&c, "media_takeout");
        assert_eq!(wf.initial, "submitted");
        let emp = roles(&["employee", "top_management"]);
        let boss = roles(&["top_management"]);
        let staff = roles(&["employee"]);
        let own = Acting { user_id: "u1", role_keys: &emp, requester_id: "u1", earlier: &[], fields: &none };
        assert_eq!(decide(t, wf, "submitted", "approve", &own, "", 0), Err(Refusal::SeparationOfDuties));
        let other = Acting { user_id: "u2", role_keys: &staff, requester_id: "u1", earlier: &[], fields: &none };
        assert_eq!(decide(t, wf, "submitted", "approve", &other, "", 0), Err(Refusal::NotAllowed));
        let approver = Acting { user_id: "u3", role_keys: &boss, requester_id: "u1", earlier: &[], fields: &none };
        assert_eq!(decide(t, wf, "submitted", "approve", &approver, "", 0).map(|s| s.to), Ok("approved".into()));
        assert_eq!(decide(t, wf, "submitted", "return", &approver, "", 0), Err(Refusal::CommentRequired));
        assert_eq!(
            decide(t, wf, "submitted", "return", &approver, "持出先を記入", 0).map(|s| s.to),
            Ok("returned".into())
        );
        assert_eq!(decide(t, wf, "returned", "resubmit", &own, "", 0).map(|s| s.to), Ok("submitted".into()));
        assert_eq!(decide(t, wf, "submitted", "withdraw", &approver, "", 0), Err(Refusal::NotAllowed));
        assert_eq!(decide(t, wf, "submitted", "withdraw", &own, "", 0).map(|s| s.to), Ok("withdrawn".into()));
        assert_eq!(decide(t, wf, "approved", "complete", &own, "", 0), Err(Refusal::SeparationOfDuties));
        assert_eq!(decide(t, wf, "approved", "complete", &approver, "", 0).map(|s| s.to), Ok("completed".into()));
        assert_eq!(decide(t, wf, "completed", "approve", &approver, "", 0), Err(Refusal::NotFromState));
        assert_eq!(available(t, wf, "submitted", &own), ["withdraw"]);
        assert_eq!(available(t, wf, "submitted", &approver), ["approve", "reject", "return"]);
    }

    #[test]
    fn change_requests_plan_approve_implement_review_and_emergency() {
        let none = Map::new();
        let c = cat();
        let (t, wf) = ty(&c, "change_request");
        let admin = roles(&["system_admin"]);
        let boss = roles(&["top_management"]);
        let planner = Acting { user_id: "sys", role_keys: &admin, requester_id: "req", earlier: &[], fields: &none };
        assert_eq!(decide(t, wf, "submitted", "plan", &planner, "", 0).map(|s| s.to), Ok("planned".into()));
        let earlier = vec!["req".to_string(), "sys".to_string()];
        let same = Acting { user_id: "sys", role_keys: &admin, requester_id: "req", earlier: &earlier, fields: &none };
        assert_eq!(
            decide(t, wf, "planned", "approve", &same, "", 0),
            Err(Refusal::SeparationOfDuties),
            "the planner may not approve"
        );
        let approver =
            Acting { user_id: "boss", role_keys: &boss, requester_id: "req", earlier: &earlier, fields: &none };
        assert_eq!(decide(t, wf, "planned", "approve", &approver, "", 0).map(|s| s.to), Ok("approved".into()));
        assert_eq!(decide(t, wf, "approved", "implement", &planner, "", 0).map(|s| s.to), Ok("implemented".into()));
        assert_eq!(decide(t, wf, "implemented", "complete", &approver, "", 0).map(|s| s.to), Ok("completed".into()));
        // Emergency (8.32 (5)): implemented without the absent approver, approval due later.
        let step =
            decide(t, wf, "planned", "emergency", &planner, "本番障害のため", 0).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(step.to, "emergency_implemented");
        assert!(step.deadline_days.is_some_and(|d| d > 0));
        assert_eq!(
            decide(t, wf, "emergency_implemented", "approve", &approver, "", 0).map(|s| s.to),
            Ok("implemented".into())
        );
    }

    #[test]
    fn change_requests_route_by_category() {
        let c = cat();
        let (t, wf) = ty(&c, "change_request");
        let admin = roles(&["system_admin"]);
        let boss = roles(&["top_management"]);
        let earlier = vec!["req".to_string(), "planner".to_string()];
        let with = |cat: Option<&str>| {
            let mut m = Map::new();
            if let Some(c) = cat {
                m.insert("category".into(), Value::from(c));
            }
            m
        };
        let category = t.fields.iter().find(|f| f.key == "category").unwrap_or_else(|| panic!("category"));
        assert!(category.required);
        assert_eq!(category.choices.len(), 4);
        for reserved in ["クライアント PC の OS 変更", "外部ネットワークとの接続", "委託先データセンターの変更"]
        {
            assert!(category.choices.iter().any(|c| c == reserved), "{reserved}");
            let f = with(Some(reserved));
            let sys = Acting { user_id: "sys", role_keys: &admin, requester_id: "req", earlier: &earlier, fields: &f };
            assert_eq!(decide(t, wf, "planned", "approve", &sys, "", 0), Err(Refusal::NotAllowed), "{reserved}");
            assert!(!available(t, wf, "planned", &sys).contains(&"approve".to_string()));
            let top = Acting { user_id: "boss", role_keys: &boss, requester_id: "req", earlier: &earlier, fields: &f };
            assert_eq!(decide(t, wf, "planned", "approve", &top, "", 0).map(|s| s.to), Ok("approved".into()));
            // The after-the-fact approval of an emergency change follows the same rule.
            assert_eq!(decide(t, wf, "emergency_implemented", "approve", &sys, "", 0), Err(Refusal::NotAllowed));
            assert_eq!(t.approvers_for(&f), ["top_management"]);
        }
        // その他, and stored requests from before the field existed: either role.
        for f in [with(Some("その他の変更")), with(None)] {
            let sys = Acting { user_id: "sys", role_keys: &admin, requester_id: "req", earlier: &earlier, fields: &f };
            assert_eq!(decide(t, wf, "planned", "approve", &sys, "", 0).map(|s| s.to), Ok("approved".into()));
            let top = Acting { user_id: "boss", role_keys: &boss, requester_id: "req", earlier: &earlier, fields: &f };
            assert_eq!(decide(t, wf, "planned", "approve", &top, "", 0).map(|s| s.to), Ok("approved".into()));
        }
        // Implementation is not an approval: the system administrator still implements.
        let f = with(Some("外部ネットワークとの接続"));
        let sys = Acting { user_id: "sys", role_keys: &admin, requester_id: "req", earlier: &earlier, fields: &f };
        assert_eq!(decide(t, wf, "approved", "implement", &sys, "", 0).map(|s| s.to), Ok("implemented".into()));
        let approvers: Vec<&String> = t.all_approver_roles().collect();
        assert!(approvers.contains(&&"top_management".to_string()));
    }

    #[test]
    fn the_approvals_the_regulation_names_are_types() {
        let c = cat();
        for (key, control, role) in [
            ("evidence_for_court", "5.28", "top_management"),
            ("office_entry", "7.2", "top_management"),
            ("subcontracting", "8.30", "top_management"),
            ("audit_scope", "8.34", "top_management"),
        ] {
            let (t, wf) = ty(&c, key);
            assert_eq!(t.controls, [control], "{key}");
            assert_eq!(t.approver_roles, [role], "{key}");
            assert!(t.approver_note.starts_with(control), "{key}");
            assert!(t.name_en.is_some(), "{key}");
            let none = Map::new();
            let r = roles(&[role]);
            let who = Acting { user_id: "a", role_keys: &r, requester_id: "b", earlier: &[], fields: &none };
            assert_eq!(decide(t, wf, &wf.initial, "approve", &who, "", 0).map(|s| s.to), Ok("approved".into()));
        }
    }

    #[test]
    fn register_values_take_fields_and_placeholders() {
        let mut spec = Map::new();
        spec.insert("media".into(), "$field:media".into());
        spec.insert("taken_by".into(), "$requester".into());
        spec.insert("approved_by".into(), "$actor".into());
        spec.insert("taken_on".into(), "$today".into());
        spec.insert("kind".into(), "USB".into());
        let mut fields = Map::new();
        fields.insert("media".into(), "USB-01".into());
        let v = register_values(&spec, &fields, ("emp", "boss", "boss"), "2026-11-25", "R-1");
        assert_eq!(v["media"], "USB-01");
        assert_eq!(v["taken_by"], "emp");
        assert_eq!(v["approved_by"], "boss");
        assert_eq!(v["taken_on"], "2026-11-25");
        assert_eq!(v["kind"], "USB");
    }
}
