//! The assessor's identity: an Ed25519 key pair kept in the keys folder (the data dir's
//! `keys/`, or `PATUH_KEYS_DIR`), the private half in a file of mode 0600 that never
//! leaves the workstation; and the central office's trusted keys file, one registered
//! assessor key a line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ExchangeError, Result, io_err, write_atomic};
use crate::domain::json::is_code;
use crate::domain::text::is_unsafe_char;

/// Overrides the keys folder (tests, several identities on one machine).
pub const KEYS_DIR_ENV: &str = "PATUH_KEYS_DIR";
/// The private key file's name in the keys folder.
pub const KEY_FILE: &str = "assessor.key";
const KEY_FORMAT: &str = "patuh-key";
const PUBLIC_PREFIX: &str = "ed25519:";

/// The keys folder: `PATUH_KEYS_DIR`, else `keys/` in the data dir.
pub fn keys_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os(KEYS_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    crate::store::data_dir()
        .map(|d| d.join("keys"))
        .ok_or_else(|| {
            ExchangeError::Keys(format!(
                "cannot find your data dir (is HOME set?); set {KEYS_DIR_ENV} to the folder of your keys"
            ))
        })
}

/// A public key as text: `ed25519:` and the 32 bytes in base64.
pub fn public_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_PREFIX}{}", B64.encode(key.as_bytes()))
}

/// Parses `ed25519:BASE64` into a key.
pub fn parse_public(text: &str) -> std::result::Result<VerifyingKey, String> {
    let b64 = text
        .strip_prefix(PUBLIC_PREFIX)
        .ok_or_else(|| format!("a public key starts with {PUBLIC_PREFIX:?}"))?;
    let bytes = B64
        .decode(b64)
        .map_err(|e| format!("the public key is not valid base64 ({e})"))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "a public key has 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&arr).map_err(|_| "not a valid Ed25519 public key".to_string())
}

/// The short fingerprint to compare by eye or on the phone: the first 8 bytes of the
/// SHA-256 of the public key, as four groups of hex (`3f9a-12bc-44de-90aa`).
pub fn fingerprint(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::new();
    for (i, pair) in digest[..8].chunks(2).enumerate() {
        if i > 0 {
            out.push('-');
        }
        let _ = write!(out, "{:02x}{:02x}", pair[0], pair[1]);
    }
    out
}

/// The assessor's key pair with the name and id it was made for.
pub struct Identity {
    pub name: String,
    pub id: String,
    pub created_at: String,
    key: SigningKey,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("public_key", &public_text(&self.public()))
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    format_version: i64,
    name: String,
    id: String,
    created_at: String,
    public_key: String,
    secret_key: String,
}

impl Identity {
    /// A new random key pair.
    pub fn generate(name: &str, id: &str, created_at: &str) -> Result<Identity> {
        check_name_id(name, id)?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| {
            ExchangeError::Keys(format!("cannot get random bytes for a new key: {e}"))
        })?;
        Ok(Identity {
            name: name.trim().to_string(),
            id: id.to_string(),
            created_at: created_at.to_string(),
            key: SigningKey::from_bytes(&secret),
        })
    }

    /// An identity from a known secret (tests that sign by hand).
    pub fn from_secret(name: &str, id: &str, secret: [u8; 32]) -> Identity {
        Identity {
            name: name.to_string(),
            id: id.to_string(),
            created_at: String::new(),
            key: SigningKey::from_bytes(&secret),
        }
    }

    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn public_text(&self) -> String {
        public_text(&self.public())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public())
    }

    /// Signs `bytes` (the exact payload bytes of an export).
    pub fn sign(&self, bytes: &[u8]) -> Signature {
        self.key.sign(bytes)
    }

    /// Signs the SHA-512 of a message, hashed by the caller in one pass (Ed25519ph,
    /// RFC 8032, with a context naming what is signed): how export format 2 signs its
    /// payload.
    pub fn sign_prehashed(&self, digest: sha2::Sha512, context: &[u8]) -> Result<Signature> {
        self.key
            .sign_prehashed(digest, Some(context))
            .map_err(|e| ExchangeError::Keys(format!("cannot sign: {e}")))
    }

    /// The line to add to the central office's trusted keys file.
    pub fn trusted_line(&self) -> String {
        format!("{} {} {}", self.public_text(), self.id, self.name)
    }

    /// Saves the key pair as `dir/assessor.key` (mode 0600), refusing to replace one.
    pub fn save_new(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(KEY_FILE);
        if path.exists() {
            return Err(ExchangeError::Keys(format!(
                "{}: a key already exists; it identifies you at the central office and is never replaced. \
                 See it with `patuh keys show`; to start over, move that file away first",
                path.display()
            )));
        }
        create_private_dir(dir)?;
        let file = KeyFile {
            format: KEY_FORMAT.into(),
            format_version: 1,
            name: self.name.clone(),
            id: self.id.clone(),
            created_at: self.created_at.clone(),
            public_key: self.public_text(),
            secret_key: B64.encode(self.key.to_bytes()),
        };
        let mut text = serde_json::to_string_pretty(&file)
            .map_err(|e| ExchangeError::Keys(format!("cannot write the key file: {e}")))?;
        text.push('\n');
        write_atomic(&path, text.as_bytes(), true)?;
        Ok(path)
    }

    /// Loads `dir/assessor.key`, refusing a file others can read or change, a keys
    /// folder others can change, a symbolic link and anything but a small regular
    /// file (`crate::fsio::read_secret`).
    pub fn load(dir: &Path) -> Result<Identity> {
        let path = dir.join(KEY_FILE);
        if let Err(e) = std::fs::symlink_metadata(&path)
            && e.kind() == std::io::ErrorKind::NotFound
        {
            return Err(ExchangeError::Keys(format!(
                "{}: no assessor key yet; create one with `patuh keys init --name NAME --id ID`",
                path.display()
            )));
        }
        let bytes = crate::fsio::read_secret(&path, false)?;
        let bad = |why: String| {
            ExchangeError::Keys(format!(
                "{}: not a valid patuh key file ({why}); restore it from your backup",
                path.display()
            ))
        };
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if file.format != KEY_FORMAT || file.format_version != 1 {
            return Err(bad(format!(
                "format {:?} version {}",
                file.format, file.format_version
            )));
        }
        let secret: [u8; 32] = B64
            .decode(&file.secret_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the secret key is not 32 bytes of base64".into()))?;
        let key = SigningKey::from_bytes(&secret);
        if public_text(&key.verifying_key()) != file.public_key {
            return Err(bad(
                "the public key does not belong to the secret key".into()
            ));
        }
        Ok(Identity {
            name: file.name,
            id: file.id,
            created_at: file.created_at,
            key,
        })
    }
}

fn check_name_id(name: &str, id: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().any(is_unsafe_char) || name.len() > 200 {
        return Err(ExchangeError::Keys(
            "--name needs the assessor's name (printable text, at most 200 bytes)".into(),
        ));
    }
    if !is_code(id) {
        return Err(ExchangeError::Keys(format!(
            "--id {id:?} is not a valid assessor id: use 1-64 letters, digits, '-', '_' or '.' (e.g. your NIP)"
        )));
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_err(dir))
}

/// One registered assessor key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub public_key: VerifyingKey,
    pub id: String,
    pub name: String,
    pub line: usize,
}

/// The central office's trusted keys file: one `ed25519:BASE64 ID NAME` a line, `#`
/// starts a comment. Exactly what `patuh keys show --line` prints.
#[derive(Debug, Clone)]
pub struct TrustedKeys {
    pub path: PathBuf,
    pub keys: Vec<TrustedKey>,
}

impl TrustedKeys {
    pub fn load(path: &Path) -> Result<TrustedKeys> {
        let bytes = crate::fsio::read(path, crate::fsio::MAX_TRUSTED_BYTES, "a trusted keys file")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            ExchangeError::Keys(format!(
                "{}: not UTF-8 text (invalid byte at offset {}); it holds lines printed by `patuh keys show --line`",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<TrustedKeys> {
        let mut keys = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| {
                ExchangeError::Keys(format!(
                    "{}:{}: {why}; each line is `ed25519:BASE64 ASSESSOR-ID NAME` as printed by `patuh keys show --line`",
                    path.display(),
                    n + 1
                ))
            };
            let mut parts = line.splitn(3, char::is_whitespace);
            let key = parts.next().unwrap_or_default();
            let id = parts.next().map(str::trim).unwrap_or_default();
            let name = parts.next().map(str::trim).unwrap_or_default();
            let public_key = parse_public(key).map_err(|e| bad(&e))?;
            if !is_code(id) {
                return Err(bad("the assessor id is missing or not a valid id"));
            }
            keys.push(TrustedKey {
                public_key,
                id: id.to_string(),
                name: name.to_string(),
                line: n + 1,
            });
        }
        Ok(TrustedKeys {
            path: path.to_path_buf(),
            keys,
        })
    }

    /// The registrations of a key (normally one).
    pub fn find(&self, key: &VerifyingKey) -> Vec<&TrustedKey> {
        self.keys.iter().filter(|k| &k.public_key == key).collect()
    }

    /// Checks that `key` is registered, for assessor `id`.
    pub fn check(&self, key: &VerifyingKey, id: &str, name: &str) -> Result<()> {
        let found = self.find(key);
        if found.is_empty() {
            return Err(ExchangeError::UntrustedKey {
                fingerprint: fingerprint(key),
                name: crate::domain::text::sanitize(name).into_owned(),
                id: id.to_string(),
                trusted: self.path.display().to_string(),
            });
        }
        if found.iter().any(|k| k.id == id) {
            return Ok(());
        }
        Err(ExchangeError::WrongAssessor {
            fingerprint: fingerprint(key),
            registered: found[0].id.clone(),
            claimed: id.to_string(),
            source_name: format!("{} line {}", self.path.display(), found[0].line),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_text_round_trips_and_fingerprint_is_short() {
        let id = Identity::from_secret("Siti", "ASN-1", [7; 32]);
        let text = id.public_text();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(parse_public(&text).unwrap(), id.public());
        let fp = id.fingerprint();
        assert_eq!(fp.len(), 19);
        assert_eq!(fp.matches('-').count(), 3);
        assert!(parse_public("ed25519:AAAA").is_err());
        assert!(parse_public("rsa:AAAA").is_err());
    }

    #[test]
    fn trusted_keys_file_finds_the_right_assessor() {
        let a = Identity::from_secret("Siti Rahma", "ASN-1", [1; 32]);
        let b = Identity::from_secret("Budi", "ASN-2", [2; 32]);
        let text = format!("# central office\n{}\n\n", a.trusted_line());
        let t = TrustedKeys::parse(Path::new("trusted.txt"), &text).unwrap();
        assert_eq!(t.keys[0].name, "Siti Rahma");
        assert!(t.check(&a.public(), "ASN-1", "Siti Rahma").is_ok());
        assert!(matches!(
            t.check(&a.public(), "ASN-9", "x"),
            Err(ExchangeError::WrongAssessor { .. })
        ));
        assert!(matches!(
            t.check(&b.public(), "ASN-2", "Budi"),
            Err(ExchangeError::UntrustedKey { .. })
        ));
        let err = TrustedKeys::parse(Path::new("t"), "ed25519:xx ID N\n").unwrap_err();
        assert!(err.to_string().contains("t:1:"), "{err}");
    }
}
