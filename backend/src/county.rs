//! The one county view (issue 16): the merged county is read once per hub generation,
//! and everything the server shows of the whole county is derived from that one reading —
//! `/api/county`'s summary, `/api/findings` and the office console's [`View`]s. Reading the
//! county (every branch document's records, the registry, the county office's document)
//! is what costs seconds on a full county; three caches each reading it after every change
//! paid that three times, and each could be at another generation than the others, so
//! the summary, the findings and the console could disagree about the same county.

use crate::hub::Hub;
use crate::office::view::View;
use crate::{county_today, AppError, MAX_COUNTY_ENTRIES};
use chrono::NaiveDate;
use shared::county::{summarize, CountySummary};
use shared::domain::records::CountyData;
use shared::model::{Registry, Visit};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Office views kept for the current reading: the console asks for today (overview,
/// drill-downs, search, `/api/findings`) and for 31 December (the assessment), and a
/// desk may look at another year; more than a few would only hold memory.
const VIEWS_KEPT: usize = 4;

/// The county as read at one hub generation.
pub struct Reading {
    pub generation: u64,
    /// The registry the records are named from, read before them so every listed
    /// document is named from a registry at least as new as the one it was written under.
    pub registry: Arc<Registry>,
    pub data: Arc<CountyData>,
    /// `/api/county`'s summary, made at its first request: it needs no year or day.
    summary: OnceLock<Arc<CountySummary>>,
}

impl Reading {
    /// The visits-only county summary of this reading.
    pub fn summary(&self) -> Arc<CountySummary> {
        self.summary
            .get_or_init(|| {
                let visits: Vec<(&str, Vec<Visit>)> = self
                    .data
                    .branches
                    .iter()
                    .map(|(b, r)| (b.as_str(), r.visits.values().cloned().collect()))
                    .collect();
                Arc::new(summarize(
                    &self.data.registry,
                    visits.iter().map(|(b, v)| (*b, v.as_slice())),
                    MAX_COUNTY_ENTRIES,
                ))
            })
            .clone()
    }
}

/// The one cache of the county's views, in `AppState`.
#[derive(Default)]
pub struct County {
    /// The last reading. Held while reading, so requests arriving meanwhile wait for it
    /// instead of reading the county again.
    reading: Mutex<Option<Arc<Reading>>>,
    /// Views built from readings, newest last. Held while building, for the same reason;
    /// the last one also lends its per-document listings to the next view built.
    views: Mutex<Vec<Arc<View>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Only whole values are ever stored under these locks (assigned after computing),
    // so a lock poisoned by a panic while computing still holds a consistent cache.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl County {
    /// The county as read at the hub's current generation, read now if it changed since.
    pub fn reading(&self, hub: &Hub) -> Result<Arc<Reading>, AppError> {
        let generation = hub.generation();
        let mut slot = lock(&self.reading);
        if let Some(r) = &*slot {
            if r.generation == generation {
                return Ok(r.clone());
            }
        }
        // The registry first: documents are then listed with names at least as new as it.
        let registry = hub.shared_registry()?;
        let data = Arc::new(hub.county_data()?);
        let r = Arc::new(Reading {
            generation,
            registry,
            data,
            summary: OnceLock::new(),
        });
        *slot = Some(r.clone());
        Ok(r)
    }

    /// The office view of the current reading for a year and as-of day, its impossible
    /// dates judged against the server's real today.
    pub fn view(&self, hub: &Hub, year: i32, as_of: NaiveDate) -> Result<Arc<View>, AppError> {
        // Lock order: views, then reading (`reading` alone never takes `views`), so a
        // summary request waits only while the county is read, not while a view is built.
        let mut views = lock(&self.views);
        let reading = self.reading(hub)?;
        // Today is part of the key: a record dated tomorrow stops being impossible at
        // midnight even if nothing was synced since.
        let today = county_today();
        let current = |v: &View| Arc::ptr_eq(&v.data, &reading.data);
        if let Some(v) = views
            .iter()
            .find(|v| current(v) && (v.year, v.as_of, v.today) == (year, as_of, today))
        {
            return Ok(v.clone());
        }
        let v = Arc::new(View::build(
            reading.data.clone(),
            reading.registry.clone(),
            year,
            as_of,
            today,
            views.last().map(|v| &**v),
        ));
        // Views of an older reading are never asked for again.
        views.retain(|v| current(v));
        if views.len() >= VIEWS_KEPT {
            views.remove(0);
        }
        views.push(v.clone());
        Ok(v)
    }
}
