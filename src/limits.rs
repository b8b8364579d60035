//! Rate limits kept by this process: failed sign-ins per account and per client address, and
//! public certificate verifications per client (the verification page is open to anyone, ISO/IEC
//! 17025 §7.8.1.2 asks that certificates can be checked, not that they can be scraped).
//!
//! One fixed-window counter serves both. Its memory is bounded: expired windows are dropped when
//! the map grows, at most one full scan per tenth of a window, and while `MAX_KEYS` live keys are
//! held new ones wait for the next window. (The sign-in count takes an attempt back on success,
//! which a token bucket such as `governor` cannot express; one counter keeps the two alike.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{AppError, AppResult};

const MAX_KEYS: usize = 100_000;
const PRUNE_ABOVE: usize = 10_000;

/// Counts per key in windows of a fixed length.
#[derive(Debug)]
pub struct FixedWindow {
    window: Duration,
    state: Mutex<Windows>,
}

/// Each key's window start and count, and when the map was last pruned.
type Windows = (HashMap<String, (Instant, u32)>, Instant);

impl FixedWindow {
    pub fn new(window: Duration) -> Self {
        FixedWindow {
            window,
            state: Mutex::new((HashMap::new(), Instant::now())),
        }
    }

    /// Counts one on each key, or none when any key has reached its limit (429 with the seconds
    /// until its window ends). Checking and counting under one lock, parallel requests cannot
    /// slip past the limit.
    pub fn hit(&self, keys: &[(&str, u32)]) -> AppResult<()> {
        let mut state = self.lock()?;
        let (counts, pruned) = &mut *state;
        let window = self.window;
        let refused = |since: Instant| AppError::TooManyRequests {
            retry_after_secs: window.saturating_sub(since.elapsed()).as_secs().max(1),
        };
        if counts.len() > PRUNE_ABOVE && pruned.elapsed() > window / 10 {
            counts.retain(|_, (since, _)| since.elapsed() < window);
            *pruned = Instant::now();
        }
        for &(key, max) in keys {
            match counts.get(key) {
                Some(&(since, count)) if since.elapsed() < window && count >= max => {
                    return Err(refused(since))
                }
                None if counts.len() >= MAX_KEYS => return Err(refused(*pruned)),
                _ => {}
            }
        }
        for &(key, _) in keys {
            let entry = counts.entry(key.to_owned()).or_insert((Instant::now(), 0));
            if entry.0.elapsed() >= window {
                *entry = (Instant::now(), 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }

    /// Takes one count back (a sign-in that succeeded does not count against its address).
    pub fn take_back(&self, key: &str) {
        if let Ok(mut state) = self.lock() {
            if let Some(entry) = state.0.get_mut(key) {
                entry.1 = entry.1.saturating_sub(1);
            }
        }
    }

    /// Forgets a key (an account that signed in starts afresh).
    pub fn forget(&self, key: &str) {
        if let Ok(mut state) = self.lock() {
            state.0.remove(key);
        }
    }

    fn lock(&self) -> AppResult<std::sync::MutexGuard<'_, Windows>> {
        self.state
            .lock()
            .map_err(|_| AppError::internal("rate limit lock poisoned"))
    }
}

/// Sign-in attempts per account and per client address; too many unsuccessful ones in the window
/// answer 429. An attempt is counted when it starts, so parallel guesses cannot slip past; a
/// success takes its attempt back and clears the account.
#[derive(Debug)]
pub struct LoginThrottle {
    counts: FixedWindow,
    max_per_account: u32,
    max_per_address: u32,
}

impl LoginThrottle {
    pub fn new(window: Duration, max_per_account: u32, max_per_address: u32) -> Self {
        LoginThrottle {
            counts: FixedWindow::new(window),
            max_per_account,
            max_per_address,
        }
    }

    pub fn attempt(&self, email: &str, address: &str) -> AppResult<()> {
        self.counts.hit(&[
            (&format!("account:{email}"), self.max_per_account),
            (&format!("address:{address}"), self.max_per_address),
        ])
    }

    pub fn succeed(&self, email: &str, address: &str) {
        self.counts.forget(&format!("account:{email}"));
        self.counts.take_back(&format!("address:{address}"));
    }
}

/// Public certificate verifications per client key in each minute.
#[derive(Debug)]
pub struct VerifyLimit {
    counts: FixedWindow,
    per_minute: u32,
}

impl VerifyLimit {
    pub fn per_minute(per_minute: u32) -> Self {
        VerifyLimit {
            counts: FixedWindow::new(Duration::from_secs(60)),
            per_minute,
        }
    }

    pub fn check(&self, client: &str) -> AppResult<()> {
        self.counts.hit(&[(client, self.per_minute)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_at_its_limit_is_refused_until_its_window_ends() {
        let limit = FixedWindow::new(Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limit.hit(&[("a", 3)]).is_ok());
        }
        match limit.hit(&[("a", 3)]) {
            Err(AppError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("{other:?}"),
        }
        assert!(limit.hit(&[("b", 3)]).is_ok());
    }

    #[test]
    fn a_refused_hit_counts_on_no_key() {
        let limit = FixedWindow::new(Duration::from_secs(60));
        assert!(limit.hit(&[("account", 1), ("address", 5)]).is_ok());
        assert!(limit.hit(&[("account", 1), ("address", 5)]).is_err());
        // The address was counted once, not twice.
        for _ in 0..4 {
            assert!(limit.hit(&[("address", 5)]).is_ok());
        }
        assert!(limit.hit(&[("address", 5)]).is_err());
    }

    #[test]
    fn a_success_clears_the_account_and_takes_its_attempt_back() {
        let throttle = LoginThrottle::new(Duration::from_secs(60), 2, 3);
        throttle.attempt("a@lab.vn", "10.0.0.1").unwrap();
        throttle.attempt("a@lab.vn", "10.0.0.1").unwrap();
        assert!(throttle.attempt("a@lab.vn", "10.0.0.1").is_err());
        throttle.succeed("a@lab.vn", "10.0.0.1");
        // The account starts afresh; the address keeps one of its two attempts.
        throttle.attempt("a@lab.vn", "10.0.0.1").unwrap();
        throttle.attempt("b@lab.vn", "10.0.0.1").unwrap();
        assert!(throttle.attempt("c@lab.vn", "10.0.0.1").is_err());
    }
}
