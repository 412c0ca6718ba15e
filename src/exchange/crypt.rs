//! Optional encryption of export files to the central office (age, X25519), so that a
//! lost USB stick reveals nothing. The signed file is encrypted as a whole; `verify`
//! and `central merge` decrypt it with the central office's identity file and then
//! check it like any other. The central office makes its key pair with
//! `patuh keys central-init --out FILE`.

use std::io::{Read, Write};

use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;

use super::{ExchangeError, Result};

/// The first bytes of a binary age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// The first line of an ASCII-armored age file.
const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// The most recipient stanzas read in an encrypted file. `patuh export --encrypt-to`
/// writes two: the central office's and the random one age adds ("grease", so that
/// readers keep accepting unknown stanzas). age tries every stanza against the
/// identity and re-reads the header as it grows: a thousand fake stanzas cost it
/// seconds, a hundred thousand never end. The header is counted before age sees it.
pub const MAX_AGE_STANZAS: usize = 16;
/// The largest age header read (bytes). A patuh header is about 300 bytes; sixteen
/// stanzas of the largest kind age knows fit many times over.
pub const MAX_AGE_HEADER: usize = 64 * 1024;

/// Whether `bytes` look like an age file (binary or armored).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(AGE_MAGIC) || bytes.starts_with(AGE_ARMOR)
}

/// Parses a recipient (`age1...`), naming what is wrong.
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|e| {
        ExchangeError::Keys(format!(
            "--encrypt-to {:?} is not an age X25519 recipient ({e}); ask the central office for its public key (age1...)",
            crate::domain::text::sanitize(text)
        ))
    })
}

/// Encrypts `plain` to `recipient`.
pub fn encrypt(plain: &[u8], recipient: &age::x25519::Recipient) -> Result<Vec<u8>> {
    let fail = |e: String| ExchangeError::Keys(format!("cannot encrypt the export: {e}"));
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| fail(e.to_string()))?;
    let mut out = Vec::with_capacity(plain.len() + 256);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| fail(e.to_string()))?;
    writer.write_all(plain).map_err(|e| fail(e.to_string()))?;
    writer.finish().map_err(|e| fail(e.to_string()))?;
    Ok(out)
}

/// The central office's identity (private key) file, as age writes it.
pub struct CentralIdentity {
    pub path: PathBuf,
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
}

impl CentralIdentity {
    /// Loads the identity file: a small regular file that others can neither read
    /// nor change, in a folder others cannot change (`crate::fsio::read_secret`).
    pub fn load(path: &Path) -> Result<CentralIdentity> {
        let bytes = crate::fsio::read_secret(path, true)?;
        let bad = |e: String| {
            ExchangeError::Keys(format!(
                "{}: not an age identity file ({e}); give the file made by `patuh keys central-init`",
                path.display()
            ))
        };
        let identities = age::IdentityFile::from_buffer(&bytes[..])
            .map_err(|e| bad(e.to_string()))?
            .into_identities()
            .map_err(|e| bad(e.to_string()))?;
        if identities.is_empty() {
            return Err(bad("it holds no key".into()));
        }
        Ok(CentralIdentity {
            path: path.to_path_buf(),
            identities,
        })
    }

    /// Decrypts an age file. Any altered or missing byte fails age's authentication.
    pub fn decrypt(&self, cipher: &[u8]) -> Result<Vec<u8>> {
        let fail = |e: String| ExchangeError::Decrypt(e);
        if cipher.starts_with(AGE_ARMOR) {
            return Err(fail(
                "ASCII-armored age files are not read; make the file with `patuh export --encrypt-to`"
                    .into(),
            ));
        }
        check_header(cipher)?;
        let decryptor = age::Decryptor::new_buffered(cipher).map_err(|e| match e {
            age::DecryptError::InvalidHeader | age::DecryptError::Io(_) => fail(format!(
                "the encrypted file is damaged or truncated ({e}); ask for the file again"
            )),
            other => fail(other.to_string()),
        })?;
        let mut plain = Vec::new();
        let mut reader = decryptor
            .decrypt(self.identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => fail(format!(
                    "the file is not encrypted to the key in {}; it was made for another office",
                    self.path.display()
                )),
                age::DecryptError::InvalidMac => fail(
                    "the encrypted file was altered (its header does not authenticate); ask for the file again"
                        .into(),
                ),
                other => fail(format!("{other}; ask for the file again")),
            })?;
        reader.read_to_end(&mut plain).map_err(|e| {
            fail(format!(
                "the encrypted file was altered or truncated ({e}); ask for the file again"
            ))
        })?;
        Ok(plain)
    }
}

/// Counts the stanzas of a binary age v1 header (`age-encryption.org/v1`, then per
/// stanza a `-> TYPE ARGS` line and base64 body lines, then the `--- MAC` line),
/// reading no further than [`MAX_AGE_HEADER`] bytes, and refuses more than
/// [`MAX_AGE_STANZAS`] stanzas or a longer header before age does any work. Body
/// lines are base64, which never starts with `-`. Anything else it leaves to age,
/// whose header parser then has little to read.
fn check_header(cipher: &[u8]) -> Result<()> {
    let window = &cipher[..cipher.len().min(MAX_AGE_HEADER)];
    let mut stanzas = 0;
    let mut rest = window;
    let mut first = true;
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if first {
            if line != b"age-encryption.org/v1" {
                return Ok(());
            }
            first = false;
        } else if line.starts_with(b"-> ") {
            stanzas += 1;
            if stanzas > MAX_AGE_STANZAS {
                return Err(ExchangeError::Decrypt(format!(
                    "the encrypted file's header holds more than {MAX_AGE_STANZAS} recipient stanzas \
                     (a file made by `patuh export --encrypt-to` holds 2); it was not made by patuh: do not use it"
                )));
            }
        } else if line.starts_with(b"---") {
            return Ok(());
        }
    }
    if cipher.len() > MAX_AGE_HEADER {
        return Err(ExchangeError::Decrypt(format!(
            "the encrypted file's header is longer than {MAX_AGE_HEADER} bytes (a file made by \
             `patuh export --encrypt-to` has a header of about 300); it was not made by patuh: do not use it"
        )));
    }
    Ok(())
}

/// Makes a new central-office key pair: writes the identity file (mode 0600, refusing
/// to replace one) and returns the recipient (`age1...`) to give to assessors.
pub fn central_init(path: &Path, created_at: &str) -> Result<String> {
    // A link, a device or a folder named by --out gets its own message, not "exists".
    crate::fsio::check_out(path)?;
    if path.exists() {
        return Err(ExchangeError::Keys(format!(
            "{}: already exists; an identity file is never replaced (files encrypted to it could no longer be read)",
            path.display()
        )));
    }
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = format!(
        "# patuh central office identity (age X25519). Keep it secret; back it up.\n# created: {created_at}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    );
    super::write_atomic(path, text.as_bytes(), true)?;
    Ok(recipient)
}
