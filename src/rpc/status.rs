//! How domain errors become gRPC statuses (see `shared/docs/security.md`, "Error
//! conventions"): bad fields are INVALID_ARGUMENT with `google.rpc.BadRequest` details naming
//! every field; storage failures are INTERNAL with a generic message, details only in the
//! node's log.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::ledger::LedgerError;
use crate::report::FieldViolation;

/// INVALID_ARGUMENT naming every bad field.
pub fn invalid_argument(violations: &[FieldViolation]) -> Status {
    let summary = match violations {
        [only] => format!("invalid {}: {}", only.field, only.description),
        many => format!(
            "{} invalid fields: {}",
            many.len(),
            many.iter()
                .map(|v| v.field.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let details = ErrorDetails::with_bad_request(
        violations
            .iter()
            .map(|v| tonic_types::FieldViolation::new(v.field.clone(), v.description.clone()))
            .collect::<Vec<_>>(),
    );
    Status::with_error_details(Code::InvalidArgument, summary, details)
}

/// The status a caller sees for a ledger error.
pub fn ledger_status(error: LedgerError) -> Status {
    match error {
        LedgerError::Invalid(violations) => invalid_argument(&violations),
        LedgerError::NotFound(_) => Status::not_found(error.to_string()),
        LedgerError::StaleRevision { .. } | LedgerError::Withdrawn(_) => {
            Status::failed_precondition(error.to_string())
        }
        LedgerError::NotOwner { .. } => Status::permission_denied(error.to_string()),
        LedgerError::ShuttingDown
        | LedgerError::Recovering(_)
        | LedgerError::ContentPending { .. } => Status::unavailable(error.to_string()),
        LedgerError::Rejected(rejection) => rejection_status(&rejection),
        LedgerError::Store(store_error) => {
            tracing::error!(error = %store_error, "storage failure while serving a request");
            Status::internal(
                "storage failure on this node; the operator can find details in its log",
            )
        }
    }
}

/// The status for an entry a node refused: INVALID_ARGUMENT for entries that are not
/// authentic or not well-formed, FAILED_PRECONDITION for authentic entries that do not fit
/// the log held here; `google.rpc.ErrorInfo` carries the reason code (`SIGNATURE_INVALID`...).
pub fn rejection_status(rejection: &crate::ledger::IngestRejection) -> Status {
    use crate::ledger::IngestRejection::*;
    let code = match rejection {
        Malformed(_) | UnknownKey { .. } | BadSignature { .. } | InvalidContent { .. } => {
            Code::InvalidArgument
        }
        NotAMember(_) => Code::PermissionDenied,
        Gap { .. } | Fork { .. } | Quarantined(_) | Conflict { .. } => Code::FailedPrecondition,
    };
    let details = ErrorDetails::with_error_info(
        rejection.reason(),
        "concord",
        std::collections::HashMap::<String, String>::new(),
    );
    Status::with_error_details(code, rejection.to_string(), details)
}
