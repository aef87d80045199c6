//! The parts of IATI 2.03 the importer and exporter need as data: the order of the children
//! of `iati-activity` in the schema, the attributes of `iati-activity`, the code lists
//! Concord maps (organisation roles, related-activity types, aid types), the few OECD DAC
//! regions that have an exact UN M49 equivalent, and the URIs of the vocabularies Concord
//! publishes under IATI's "reporting organisation" vocabulary (99).

use crate::report::{ActivityType, ParticipantRole, Relation};

/// The namespace of Concord's extension elements and attributes in an IATI export
/// (`concord:report`, `concord:target-group`, `concord:related`, `concord:role`...). IATI
/// allows elements and attributes of other namespaces almost everywhere.
pub const CONCORD_NAMESPACE: &str = "urn:concord:iati:1";

/// The prefix Concord's exports bind [`CONCORD_NAMESPACE`] to.
pub const CONCORD_PREFIX: &str = "concord";

/// `vocabulary-uri` of tags coding Global Compact for Migration objectives (vocabulary 99):
/// the UN resolution that adopted the Compact.
pub const GCM_VOCABULARY_URI: &str = "https://undocs.org/A/RES/73/195";

/// `vocabulary-uri` of tags coding the working group's own topics (vocabulary 99).
pub const RTWG_VOCABULARY_URI: &str = "urn:concord:vocabulary:rtwg";

/// `vocabulary-uri` of recipient regions that are groups of the working group's own list,
/// such as "ESCAP" (vocabulary 99).
pub const GROUP_REGION_VOCABULARY_URI: &str = "urn:concord:vocabulary:regions";

/// The IATI version an export declares.
pub const IATI_VERSION: &str = "2.03";

/// The children of `iati-activity`, in the order the 2.03 schema requires them.
pub const ACTIVITY_ELEMENTS: [&str; 35] = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "other-identifier",
    "activity-status",
    "activity-date",
    "contact-info",
    "activity-scope",
    "recipient-country",
    "recipient-region",
    "location",
    "sector",
    "tag",
    "country-budget-items",
    "humanitarian-scope",
    "policy-marker",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-aid-type",
    "default-tied-status",
    "budget",
    "planned-disbursement",
    "capital-spend",
    "transaction",
    "document-link",
    "related-activity",
    "legacy-data",
    "conditions",
    "result",
    "crs-add",
    "fss",
    // Not an element name: where elements of other namespaces go (the schema's final
    // `xsd:any namespace="##other"`).
    "##other",
];

/// Position of a child of `iati-activity` in [`ACTIVITY_ELEMENTS`]; elements of other
/// namespaces (a prefixed name) go last; `None` for a name the 2.03 schema does not have.
pub fn element_position(name: &str) -> Option<usize> {
    if name.contains(':') {
        return Some(ACTIVITY_ELEMENTS.len() - 1);
    }
    ACTIVITY_ELEMENTS
        .iter()
        .position(|known| *known == name)
        .filter(|&p| p < ACTIVITY_ELEMENTS.len() - 1)
}

/// The attributes of `iati-activity` (besides `xml:lang`) that are kept as extras.
pub const ACTIVITY_ATTRIBUTES: [&str; 6] = [
    "last-updated-datetime",
    "default-currency",
    "humanitarian",
    "hierarchy",
    "linked-data-uri",
    "budget-not-provided",
];

/// IATI OrganisationRole code → Concord role.
pub fn role_from_code(code: &str) -> Option<ParticipantRole> {
    match code.trim() {
        "1" => Some(ParticipantRole::Funding),
        "2" => Some(ParticipantRole::Accountable),
        "3" => Some(ParticipantRole::Extending),
        "4" => Some(ParticipantRole::Implementing),
        _ => None,
    }
}

/// The IATI OrganisationRole code an export writes for a Concord role. Co-organisers and
/// participants have no IATI role: they are written as implementing (4), with the Concord
/// role in a `concord:role` attribute.
pub fn role_code(role: ParticipantRole) -> &'static str {
    match role {
        ParticipantRole::Funding => "1",
        ParticipantRole::Accountable => "2",
        ParticipantRole::Extending => "3",
        ParticipantRole::Implementing
        | ParticipantRole::CoOrganiser
        | ParticipantRole::Participant => "4",
    }
}

/// IATI RelatedActivityType codes (1 parent, 2 child, 3 sibling, 4 co-funded, 5
/// third-party): `Some` with the Concord relation where there is one (`Some(None)` for
/// sibling and third party); `None` for a code outside the list.
pub fn relation_from_code(code: &str) -> Option<Option<Relation>> {
    match code.trim() {
        "1" => Some(Some(Relation::Parent)),
        "2" => Some(Some(Relation::Child)),
        "3" | "5" => Some(None),
        "4" => Some(Some(Relation::CoFunded)),
        _ => None,
    }
}

/// OECD DAC region codes (IATI region vocabulary 1) that name exactly a UN M49 area, with
/// that area. Other DAC regions ("Far East Asia", "Middle East"...) have none and are kept
/// as they are.
pub const DAC_REGIONS_IN_M49: [(&str, &str); 10] = [
    ("89", "150"),  // Europe, regional
    ("189", "015"), // North of Sahara, regional → Northern Africa
    ("289", "202"), // South of Sahara, regional → Sub-Saharan Africa
    ("298", "002"), // Africa, regional
    ("489", "005"), // South America, regional
    ("498", "019"), // America, regional → Americas
    ("619", "143"), // Central Asia, regional
    ("679", "034"), // South Asia, regional → Southern Asia
    ("798", "142"), // Asia, regional
    ("889", "009"), // Oceania, regional
];

/// The M49 area of a DAC region code, when there is an exact one.
pub fn m49_of_dac_region(code: &str) -> Option<&'static str> {
    let code = code.trim();
    DAC_REGIONS_IN_M49
        .iter()
        .find(|(dac, _)| *dac == code)
        .map(|(_, m49)| *m49)
}

/// What an IATI aid type (vocabulary 1, the OECD DAC list) says about the kind of activity,
/// with the reason shown in the import summary.
pub fn activity_type_of_aid_type(code: &str) -> Option<(ActivityType, &'static str)> {
    let code = code.trim().to_ascii_uppercase();
    let found = match code.as_str() {
        "A01" | "A02" => (ActivityType::Programme, "budget support"),
        "B01" | "B02" | "B021" | "B022" | "B03" | "B031" | "B032" | "B033" | "B04" => (
            ActivityType::Programme,
            "contributions to programmes and funds",
        ),
        "C01" => (ActivityType::Programme, "project-type interventions"),
        "D01" | "D02" => (ActivityType::TechnicalAssistance, "technical assistance"),
        "E01" | "E02" => (ActivityType::Training, "scholarships and training"),
        "H01" => (ActivityType::Advocacy, "development awareness"),
        _ => return None,
    };
    Some(found)
}

/// Guesses a document format from a URL's file extension (IATI requires one on every
/// document-link); web pages otherwise.
pub fn format_of_url(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv" => "text/csv",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "text/html",
    }
}

/// IATI DocumentCategory code written for a link an export makes: "A12" (activity web page).
pub const LINK_CATEGORY: &str = "A12";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_positions() {
        assert_eq!(element_position("iati-identifier"), Some(0));
        assert_eq!(element_position("fss"), Some(33));
        assert_eq!(element_position("usg:treasury-account"), Some(34));
        assert_eq!(element_position("##other"), None);
        assert_eq!(element_position("website"), None);
    }

    #[test]
    fn code_lists() {
        assert_eq!(role_from_code(" 2 "), Some(ParticipantRole::Accountable));
        assert_eq!(role_from_code("xx"), None);
        assert_eq!(role_code(ParticipantRole::CoOrganiser), "4");
        assert_eq!(relation_from_code("4"), Some(Some(Relation::CoFunded)));
        assert_eq!(relation_from_code("3"), Some(None));
        assert_eq!(relation_from_code("9"), None);
        assert_eq!(m49_of_dac_region("289"), Some("202"));
        assert_eq!(m49_of_dac_region("789"), None);
        assert_eq!(
            activity_type_of_aid_type("b03").map(|(t, _)| t),
            Some(ActivityType::Programme)
        );
        assert_eq!(format_of_url("https://x.org/a.PDF?x=1"), "application/pdf");
        assert_eq!(format_of_url("https://x.org/"), "text/html");
    }
}
