//! The county office's merged view, computed from the registry and every branch document.
//! The server sends this small summary instead of the documents themselves.

use crate::model::{Registry, Visit};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountySummary {
    pub county: String,
    /// Visits known to the server, withdrawn ones excluded.
    pub total: usize,
    pub places: Vec<PlaceVisits>,
    /// The newest entries, newest first, at most the requested number.
    pub entries: Vec<EntryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceVisits {
    pub place: String,
    pub name: String,
    pub township: String,
    pub visits: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: String,
    pub date: String,
    pub place: String,
    pub place_name: String,
    pub kind: String,
    pub author: String,
    pub author_name: String,
    pub branch: String,
    pub note: String,
    pub recorded_at: i64,
}

/// `branches` pairs each branch id with its visits.
pub fn summarize<'a>(
    registry: &Registry,
    branches: impl IntoIterator<Item = (&'a str, &'a [Visit])>,
    limit: usize,
) -> CountySummary {
    let mut all: Vec<(&str, &Visit)> = branches
        .into_iter()
        .flat_map(|(b, vs)| vs.iter().filter(|v| !v.withdrawn).map(move |v| (b, v)))
        .collect();
    let mut per_place: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, v) in &all {
        *per_place.entry(v.place.as_str()).or_default() += 1;
    }
    let places = registry
        .places
        .values()
        .map(|p| PlaceVisits {
            place: p.id.clone(),
            name: p.name.clone(),
            township: registry
                .committees
                .get(&p.township)
                .map_or_else(|| p.township.clone(), |c| c.name.clone()),
            visits: per_place.get(p.id.as_str()).copied().unwrap_or(0),
        })
        .collect();
    // Newest first; the id breaks ties so the order is the same on every call.
    all.sort_by(|a, b| (b.1.recorded_at, &b.1.id).cmp(&(a.1.recorded_at, &a.1.id)));
    let total = all.len();
    let entries = all
        .into_iter()
        .take(limit)
        .map(|(branch, v)| EntryView {
            id: v.id.clone(),
            date: v.date.clone(),
            place: v.place.clone(),
            place_name: registry.place_name(&v.place).to_string(),
            kind: v.kind.label().to_string(),
            author: v.author.clone(),
            author_name: registry.person_name(&v.author).to_string(),
            branch: branch.to_string(),
            note: v.note.clone(),
            recorded_at: v.recorded_at,
        })
        .collect();
    CountySummary {
        county: registry.county.clone(),
        total,
        places,
        entries,
    }
}
