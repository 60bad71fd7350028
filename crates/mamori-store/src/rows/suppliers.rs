//! Suppliers (issue 19): the requirements confirmed per supplier, and the links of duties and
//! open items to a supplier (the supplier itself is a row of the `suppliers` register).

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all};

/// One requirement of one supplier.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SupplierRequirementRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The supplier (its register row id).
    pub supplier_id: String,
    /// The requirement's key (`mamori_domain::supplier`).
    pub key: String,
    /// unconfirmed | confirmed | not_applicable | deviation.
    pub state: String,
    /// The evidence or reason.
    pub evidence: String,
    /// Who confirmed it (user id).
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<i64>,
    /// Changed.
    pub updated_at: i64,
}

const COLS: &str = "id, org_id, supplier_id, key, state, evidence, confirmed_by, confirmed_at, updated_at";

/// Writes a requirement's state (inserted, or replacing the supplier's row for that key).
pub async fn upsert_supplier_requirement(ex: &mut Ex<'_>, r: &SupplierRequirementRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO supplier_requirement (",
            COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org_id, supplier_id, key) DO UPDATE SET \
             state = excluded.state, evidence = excluded.evidence, confirmed_by = excluded.confirmed_by, \
             confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at"
        ]),
        &r.id,
        &r.org_id,
        &r.supplier_id,
        &r.key,
        &r.state,
        &r.evidence,
        &r.confirmed_by,
        r.confirmed_at,
        r.updated_at
    )?;
    Ok(())
}

/// Every requirement row of the organisation (all suppliers).
pub async fn supplier_requirements(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<SupplierRequirementRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        SupplierRequirementRow,
        sql(&["SELECT ", COLS, " FROM supplier_requirement WHERE org_id = $1 ORDER BY supplier_id, key"]),
        org_id
    )?)
}

/// Links an open item to the supplier it waits for.
pub async fn link_open_item_supplier(
    ex: &mut Ex<'_>,
    org_id: &str,
    item_id: &str,
    supplier_id: &str,
) -> Result<(), StoreError> {
    exec!(ex, "UPDATE open_item SET supplier_id = $1 WHERE org_id = $2 AND id = $3", supplier_id, org_id, item_id)?;
    Ok(())
}

/// (open item id, supplier id) of every open item linked to a supplier.
pub async fn open_item_suppliers(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Link {
        id: String,
        supplier_id: String,
    }
    Ok(fetch_all!(
        ex,
        Link,
        "SELECT id, supplier_id FROM open_item WHERE org_id = $1 AND supplier_id IS NOT NULL ORDER BY id",
        org_id
    )?
    .into_iter()
    .map(|l| (l.id, l.supplier_id))
    .collect())
}
