//! Project-level lineage: follow a model column's edges upstream through
//! models to seeds and sources, or downstream to the columns it feeds.
