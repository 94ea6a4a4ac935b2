//! Signed changes (issue 15): each device signs every Automerge change it sends with its
//! own Ed25519 key, so "who wrote this" in a document's history is proven, not assumed
//! from an actor id that anyone in the branch could copy.
//!
//! What is signed is the change's hash (which covers its actor, dependencies and every
//! operation) behind a fixed prefix, so a signature made here means nothing elsewhere.
//! No randomness here (sans-IO): the phone passes in the 32-byte seed it drew; signing
//! itself is deterministic (RFC 8032).

use automerge::ChangeHash;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Bytes of a signature and of a public key.
pub const SIGNATURE_LEN: usize = 64;
pub const PUBLIC_KEY_LEN: usize = 32;

/// What is signed for one change: this prefix, then the change's 32-byte hash.
const DOMAIN: &[u8] = b"sanlian change v1\0";

fn message(hash: &ChangeHash) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 32);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&hash.0);
    m
}

/// A device's signing key; the private half never leaves the phone's storage.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    /// The key of a 32-byte seed (drawn once by the phone from the browser's randomness).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        DeviceKey(SigningKey::from_bytes(&seed))
    }

    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.verifying_key().to_bytes()
    }

    /// The public key as the server registers it: lowercase hex.
    pub fn public_hex(&self) -> String {
        hex(&self.public())
    }

    pub fn sign(&self, hash: &ChangeHash) -> Vec<u8> {
        self.0.sign(&message(hash)).to_bytes().to_vec()
    }
}

/// Whether `sig` is `public`'s signature of the change `hash`. Strict verification: no
/// malleable or small-order forms, so one change has one valid signature per key.
pub fn verify(public: &[u8; PUBLIC_KEY_LEN], hash: &ChangeHash, sig: &[u8]) -> bool {
    let Ok(sig) = <[u8; SIGNATURE_LEN]>::try_from(sig) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify_strict(&message(hash), &Signature::from_bytes(&sig))
        .is_ok()
}

/// A public key from its hex form; `None` unless it is 32 bytes on the curve.
pub fn parse_public(hex_key: &str) -> Option<[u8; PUBLIC_KEY_LEN]> {
    let bytes = unhex(hex_key)?;
    let key = <[u8; PUBLIC_KEY_LEN]>::try_from(bytes.as_slice()).ok()?;
    VerifyingKey::from_bytes(&key).ok()?;
    Some(key)
}

pub use crate::ids::{hex, unhex};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_for_its_change_and_key_only() {
        let key = DeviceKey::from_seed([7; 32]);
        let other = DeviceKey::from_seed([8; 32]);
        let (h1, h2) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
        let sig = key.sign(&h1);
        assert_eq!(sig.len(), SIGNATURE_LEN);
        assert!(verify(&key.public(), &h1, &sig));
        assert!(!verify(&key.public(), &h2, &sig), "another change");
        assert!(!verify(&other.public(), &h1, &sig), "another key");
        assert!(!verify(&key.public(), &h1, &sig[..63]), "cut short");
        let mut flipped = sig.clone();
        flipped[10] ^= 1;
        assert!(!verify(&key.public(), &h1, &flipped));
        assert_eq!(parse_public(&key.public_hex()), Some(key.public()));
        assert_eq!(parse_public("zz"), None);
        assert_eq!(parse_public(&"00".repeat(31)), None);
        assert_eq!(DeviceKey::from_seed(key.seed()).public(), key.public());
    }
}
