//! Templates of the register engine's pages.

use crate::views::Layout;
use askama::Template;
use mamori_domain::register::RegisterDef;

/// The `registers.html` template.
#[derive(Template)]
#[template(path = "registers.html")]
pub struct RegistersPage {
    pub layout: Layout,
    pub registers: Vec<(String, String, Vec<String>, i64, String)>,
    pub can_design: bool,
}

/// The `register.html` template.
#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub def: RegisterDef,
    pub q: String,
    pub deleted: bool,
    pub sorts: Vec<(String, String, bool)>,
    pub headers: Vec<String>,
    pub rows: Vec<(String, String, Vec<String>, String)>,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub can_edit: bool,
    pub can_design: bool,
    pub heatmap: Option<String>,
    pub problems: Vec<(String, String, String)>,
}

/// A field as the form shows it.
pub struct FieldView {
    pub files: Vec<(String, String)>,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub input_type: &'static str,
    pub value: String,
    pub required: bool,
    pub computed: bool,
    pub options: Vec<(String, bool)>,
    pub error: Option<String>,
}

/// The `register_row.html` template.
#[derive(Template)]
#[template(path = "register_row.html")]
pub struct RowPage {
    pub layout: Layout,
    pub def: RegisterDef,
    pub row_id: Option<String>,
    /// The row's title (its name, else its first values), never its id.
    pub row_title: String,
    pub action: String,
    pub fields: Vec<FieldView>,
    pub label: String,
    pub labels: Vec<String>,
    pub deleted: bool,
    pub deleted_reason: Option<String>,
    pub readonly: bool,
    pub can_edit: bool,
    /// ("role:KEY", role name, checked): who may see the row while it is 極秘.
    pub restricted_roles: Vec<(String, String, bool)>,
    /// ("user:LOGIN", login ID) of people named in the restriction.
    pub restricted_people: Vec<(String, String)>,
    pub restricted_error: Option<String>,
    pub errors: Vec<String>,
}

/// (version, action, who, when, reason, [(field, before, after)]).
pub type HistoryView = (i64, String, String, String, Option<String>, Vec<(String, String, String)>);

/// The `register_history.html` template.
#[derive(Template)]
#[template(path = "register_history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub key: String,
    pub name: String,
    pub id: String,
    /// The row's title (its name, else its first values), never its id.
    pub title: String,
    pub entries: Vec<HistoryView>,
}

/// The `heatmap.html` template.
#[derive(Template)]
#[template(path = "heatmap.html")]
pub struct HeatmapPage {
    pub layout: Layout,
    pub key: String,
    pub name: String,
    pub x_label: String,
    pub y_label: String,
    pub xs: Vec<i64>,
    pub grid: Vec<(i64, Vec<(i64, i64)>)>,
}

/// The `register_design.html` template.
#[derive(Template)]
#[template(path = "register_design.html")]
pub struct DesignPage {
    pub layout: Layout,
    pub def: RegisterDef,
    pub fields: Vec<(String, String, String, bool, bool, String)>,
    /// (type key, type in words).
    pub all_types: Vec<(String, String)>,
    /// (role key, role name, may view, may edit).
    pub access: Vec<(String, String, bool, bool)>,
    pub access_error: Option<String>,
}
