//! Trust: who is calling, what they may do, and the files that establish it.
//!
//! - [`identity`]: the identity a certificate carries, `spiffe://<group>/org/<ORG>/node` or
//!   `spiffe://<group>/org/<ORG>/client/<name>`, in exactly one URI SAN;
//! - [`certs`]: the working group's CA and the node and client certificates it issues
//!   (`concord cert ...`), key-file permission checks;
//! - [`membership`]: the membership file: members, co-chairs, signing keys, deny-list;
//! - [`tls`]: the mutual-TLS server configuration and accept loop (handshake time-out);
//! - [`gate`]: the layer in front of every service: identity, rights, rate limit, audit;
//! - [`setup`]: creating a whole working group (CA, certificates, keys, membership).

pub mod certs;
pub mod gate;
pub mod identity;
pub mod membership;
pub mod setup;
pub mod tls;
