//! The parser against the customer's regulation (golden snapshot and facts read from the
//! document by hand), the input variants, and a property test that it never panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fidelity;
mod seed;
mod variants;
