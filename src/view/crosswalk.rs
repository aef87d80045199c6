//! The crosswalk: theme codes of every vocabulary, and words of free text, mapped onto one
//! set of shared [`Concept`]s.
//!
//! Agencies code the same subject in different vocabularies: one report on trafficking
//! carries GCM objective 10, another SDG 16.2 and DAC 15180, a third only the word
//! "trafficking" in its title. Comparing codes literally finds none of these pairs.
//! Comparing the concepts behind them finds all three.
//!
//! - [`theme_concepts`] maps a `{vocabulary, code}` theme (GCM objectives 1-23, SDG goals and
//!   targets, OECD DAC purpose codes and 3-digit categories, the working group's RTWG
//!   topics; see [`crate::report::vocabulary`]) to concepts, each with a strength (1 for
//!   what the code is about, less for what it only touches) and the reason for the mapping.
//! - [`text_concepts`] finds concepts in free text through keyword rules in English, French
//!   and Spanish, with the common Russian, Chinese, Thai and Khmer terms where their
//!   spelling is certain. A rule can list exceptions ("drug trafficking" is not trafficking
//!   in persons).
//!
//! Every concept also has a [`Concept::specificity`]: how much sharing it says about two
//! activities. Sharing "smuggling" says much; sharing "migration governance" (SDG 10.7,
//! DAC 15190, which half the reports carry) says little.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::similarity::{folded_text, folded_words, is_unspaced_script};
use crate::report::Theme;

/// A subject that reports share whatever vocabulary or words they use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Concept {
    Trafficking,
    Smuggling,
    ForcedLabour,
    LabourMigration,
    Recruitment,
    DecentWork,
    DomesticWork,
    Employment,
    Skills,
    SocialProtection,
    Remittances,
    Diaspora,
    Gender,
    ViolenceAgainstWomen,
    MarriageMigration,
    ChildrenAndFamily,
    Education,
    Health,
    InfectiousDisease,
    ReproductiveHealth,
    DataAndStatistics,
    Population,
    RegionalCooperation,
    PolicyCoherence,
    MigrationGovernance,
    ReturnAndReintegration,
    RefugeesAndAsylum,
    LegalIdentity,
    BorderManagement,
    ScreeningAndReferral,
    Detention,
    ConsularProtection,
    RescueAtSea,
    ClimateMobility,
    DisasterAndEmergency,
    BasicServices,
    Inclusion,
    DiscriminationAndMedia,
    InformationAndOrientation,
    RegularPathways,
    Vulnerability,
    HumanRights,
    AccessToJustice,
    TransnationalCrime,
    UrbanAndHousing,
    InternalMigration,
}

impl Concept {
    /// Every concept, in declaration order.
    pub const ALL: [Concept; 46] = [
        Concept::Trafficking,
        Concept::Smuggling,
        Concept::ForcedLabour,
        Concept::LabourMigration,
        Concept::Recruitment,
        Concept::DecentWork,
        Concept::DomesticWork,
        Concept::Employment,
        Concept::Skills,
        Concept::SocialProtection,
        Concept::Remittances,
        Concept::Diaspora,
        Concept::Gender,
        Concept::ViolenceAgainstWomen,
        Concept::MarriageMigration,
        Concept::ChildrenAndFamily,
        Concept::Education,
        Concept::Health,
        Concept::InfectiousDisease,
        Concept::ReproductiveHealth,
        Concept::DataAndStatistics,
        Concept::Population,
        Concept::RegionalCooperation,
        Concept::PolicyCoherence,
        Concept::MigrationGovernance,
        Concept::ReturnAndReintegration,
        Concept::RefugeesAndAsylum,
        Concept::LegalIdentity,
        Concept::BorderManagement,
        Concept::ScreeningAndReferral,
        Concept::Detention,
        Concept::ConsularProtection,
        Concept::RescueAtSea,
        Concept::ClimateMobility,
        Concept::DisasterAndEmergency,
        Concept::BasicServices,
        Concept::Inclusion,
        Concept::DiscriminationAndMedia,
        Concept::InformationAndOrientation,
        Concept::RegularPathways,
        Concept::Vulnerability,
        Concept::HumanRights,
        Concept::AccessToJustice,
        Concept::TransnationalCrime,
        Concept::UrbanAndHousing,
        Concept::InternalMigration,
    ];

    /// A stable kebab-case code ("violence-against-women").
    pub fn code(self) -> &'static str {
        self.describe().0
    }

    /// An English label ("Violence against women and girls").
    pub fn label(self) -> &'static str {
        self.describe().1
    }

    /// How much sharing this concept says about two activities, in (0, 1]: 1 for narrow
    /// subjects, down to 0.25 for the broad framing most reports of the group carry.
    pub fn specificity(self) -> f64 {
        self.describe().2
    }

    fn describe(self) -> (&'static str, &'static str, f64) {
        match self {
            Concept::Trafficking => ("trafficking", "Trafficking in persons", 1.0),
            Concept::Smuggling => ("smuggling", "Smuggling of migrants", 1.0),
            Concept::ForcedLabour => ("forced-labour", "Forced labour and child labour", 0.9),
            // Most of the group's work touches labour migration: sharing it says little.
            Concept::LabourMigration => ("labour-migration", "Labour migration", 0.5),
            Concept::Recruitment => ("recruitment", "Recruitment, fees and agencies", 1.0),
            Concept::DecentWork => ("decent-work", "Decent work and labour rights", 0.5),
            Concept::DomesticWork => ("domestic-work", "Migrant domestic workers", 1.0),
            Concept::Employment => ("employment", "Employment and livelihoods", 0.6),
            Concept::Skills => ("skills", "Skills and their recognition", 0.9),
            Concept::SocialProtection => (
                "social-protection",
                "Social protection and its portability",
                1.0,
            ),
            Concept::Remittances => ("remittances", "Remittances and financial inclusion", 1.0),
            Concept::Diaspora => ("diaspora", "Diaspora engagement", 1.0),
            Concept::Gender => ("gender", "Gender and women migrants", 0.5),
            Concept::ViolenceAgainstWomen => (
                "violence-against-women",
                "Violence against women and girls",
                1.0,
            ),
            Concept::MarriageMigration => ("marriage-migration", "Marriage migration", 1.0),
            Concept::ChildrenAndFamily => ("children-and-family", "Children and families", 0.7),
            Concept::Education => ("education", "Education and schooling", 1.0),
            Concept::Health => ("health", "Health", 0.7),
            Concept::InfectiousDisease => (
                "infectious-disease",
                "HIV, tuberculosis, malaria and other infectious diseases",
                1.0,
            ),
            Concept::ReproductiveHealth => (
                "reproductive-health",
                "Maternal, sexual and reproductive health",
                1.0,
            ),
            Concept::DataAndStatistics => ("data-and-statistics", "Data and statistics", 0.8),
            Concept::Population => ("population", "Population and development", 0.8),
            Concept::RegionalCooperation => (
                "regional-cooperation",
                "Regional and international cooperation",
                0.4,
            ),
            Concept::PolicyCoherence => ("policy-coherence", "Policy coherence", 0.4),
            Concept::MigrationGovernance => (
                "migration-governance",
                "Orderly, safe and regular migration (general)",
                0.25,
            ),
            Concept::ReturnAndReintegration => {
                ("return-and-reintegration", "Return and reintegration", 1.0)
            }
            Concept::RefugeesAndAsylum => ("refugees-and-asylum", "Refugees and asylum", 0.9),
            Concept::LegalIdentity => (
                "legal-identity",
                "Legal identity, registration and statelessness",
                1.0,
            ),
            Concept::BorderManagement => ("border-management", "Border management", 0.9),
            Concept::ScreeningAndReferral => (
                "screening-and-referral",
                "Screening, identification and referral",
                0.7,
            ),
            Concept::Detention => ("detention", "Immigration detention and alternatives", 1.0),
            Concept::ConsularProtection => (
                "consular-protection",
                "Consular protection and labour attachés",
                1.0,
            ),
            Concept::RescueAtSea => ("rescue-at-sea", "Rescue at sea and missing migrants", 1.0),
            Concept::ClimateMobility => ("climate-mobility", "Climate change and mobility", 1.0),
            Concept::DisasterAndEmergency => (
                "disaster-and-emergency",
                "Disasters and emergency response",
                0.8,
            ),
            Concept::BasicServices => ("basic-services", "Access to basic services", 0.3),
            Concept::Inclusion => ("inclusion", "Inclusion and social cohesion", 0.6),
            Concept::DiscriminationAndMedia => (
                "discrimination-and-media",
                "Discrimination, media and public perceptions",
                1.0,
            ),
            Concept::InformationAndOrientation => (
                "information-and-orientation",
                "Information, pre-departure orientation and counselling",
                0.9,
            ),
            Concept::RegularPathways => ("regular-pathways", "Pathways for regular migration", 0.5),
            Concept::Vulnerability => (
                "vulnerability",
                "Protection of migrants in vulnerable situations",
                0.3,
            ),
            Concept::HumanRights => ("human-rights", "Human rights", 0.5),
            Concept::AccessToJustice => (
                "access-to-justice",
                "Justice, law enforcement and legal aid",
                0.7,
            ),
            Concept::TransnationalCrime => (
                "transnational-crime",
                "Drugs and transnational organized crime",
                0.8,
            ),
            Concept::UrbanAndHousing => ("urban-and-housing", "Cities, housing and land", 1.0),
            Concept::InternalMigration => ("internal-migration", "Internal migration", 0.9),
        }
    }
}

impl std::fmt::Display for Concept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One concept that a theme code stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeMapping {
    /// The concept.
    pub concept: Concept,
    /// 1 when the code is about the concept, less when it only touches it.
    pub strength: f64,
    /// Why the code maps there, in a few words.
    pub reason: &'static str,
}

/// Shorthand for the tables below: a concept at full strength.
const fn full(concept: Concept) -> (Concept, f64) {
    (concept, 1.0)
}

/// Shorthand for the tables below: a concept the code only touches.
const fn part(concept: Concept) -> (Concept, f64) {
    (concept, 0.5)
}

type Row = (&'static str, &'static [(Concept, f64)], &'static str);

use Concept as C;

/// GCM objectives (see `vocabulary::GCM_OBJECTIVES` for their titles).
const GCM_ROWS: &[Row] = &[
    (
        "1",
        &[full(C::DataAndStatistics)],
        "objective 1 is accurate and disaggregated data",
    ),
    (
        "2",
        &[full(C::ClimateMobility), part(C::DisasterAndEmergency)],
        "objective 2 (adverse drivers) is used in the region for climate and disaster drivers",
    ),
    (
        "3",
        &[full(C::InformationAndOrientation)],
        "objective 3 is information at all stages of migration",
    ),
    (
        "4",
        &[full(C::LegalIdentity)],
        "objective 4 is legal identity and documentation",
    ),
    (
        "5",
        &[full(C::RegularPathways), part(C::LabourMigration)],
        "objective 5 is regular pathways, mostly labour mobility schemes",
    ),
    (
        "6",
        &[
            full(C::Recruitment),
            full(C::DecentWork),
            part(C::LabourMigration),
        ],
        "objective 6 is fair and ethical recruitment and decent work",
    ),
    (
        "7",
        &[full(C::Vulnerability)],
        "objective 7 addresses vulnerabilities in migration",
    ),
    (
        "8",
        &[full(C::RescueAtSea)],
        "objective 8 is saving lives and missing migrants",
    ),
    (
        "9",
        &[full(C::Smuggling)],
        "objective 9 is the response to smuggling of migrants",
    ),
    (
        "10",
        &[full(C::Trafficking)],
        "objective 10 is trafficking in persons",
    ),
    (
        "11",
        &[full(C::BorderManagement)],
        "objective 11 is integrated border management",
    ),
    (
        "12",
        &[full(C::ScreeningAndReferral)],
        "objective 12 is screening, assessment and referral",
    ),
    (
        "13",
        &[full(C::Detention)],
        "objective 13 is detention as a last resort and its alternatives",
    ),
    (
        "14",
        &[full(C::ConsularProtection)],
        "objective 14 is consular protection",
    ),
    (
        "15",
        &[full(C::BasicServices)],
        "objective 15 is access to basic services (health, education...)",
    ),
    (
        "16",
        &[full(C::Inclusion)],
        "objective 16 is inclusion and social cohesion",
    ),
    (
        "17",
        &[full(C::DiscriminationAndMedia)],
        "objective 17 is discrimination and public discourse on migration",
    ),
    (
        "18",
        &[full(C::Skills)],
        "objective 18 is skills development and recognition",
    ),
    (
        "19",
        &[full(C::Diaspora)],
        "objective 19 is migrants' and diasporas' contribution to development",
    ),
    (
        "20",
        &[full(C::Remittances)],
        "objective 20 is remittances and financial inclusion",
    ),
    (
        "21",
        &[full(C::ReturnAndReintegration)],
        "objective 21 is return, readmission and reintegration",
    ),
    (
        "22",
        &[full(C::SocialProtection)],
        "objective 22 is portability of social security",
    ),
    (
        "23",
        &[full(C::RegionalCooperation)],
        "objective 23 is international cooperation and partnerships",
    ),
];

/// SDG targets that name a concept of the group's work; other targets fall back to their
/// goal ([`SDG_GOAL_ROWS`]).
const SDG_TARGET_ROWS: &[Row] = &[
    (
        "1.3",
        &[full(C::SocialProtection)],
        "target 1.3 is social protection systems",
    ),
    (
        "3.1",
        &[full(C::ReproductiveHealth), part(C::Health)],
        "target 3.1 is maternal mortality",
    ),
    (
        "3.3",
        &[full(C::InfectiousDisease), part(C::Health)],
        "target 3.3 is AIDS, tuberculosis, malaria and other epidemics",
    ),
    (
        "3.7",
        &[full(C::ReproductiveHealth), part(C::Health)],
        "target 3.7 is sexual and reproductive health care",
    ),
    (
        "3.8",
        &[full(C::Health)],
        "target 3.8 is universal health coverage",
    ),
    (
        "4.1",
        &[full(C::Education)],
        "target 4.1 is primary and secondary schooling",
    ),
    (
        "4.4",
        &[full(C::Skills)],
        "target 4.4 is skills for employment",
    ),
    (
        "4.5",
        &[full(C::Education)],
        "target 4.5 is equal access to education for the vulnerable",
    ),
    (
        "5.1",
        &[full(C::Gender)],
        "target 5.1 is discrimination against women",
    ),
    (
        "5.2",
        &[
            full(C::ViolenceAgainstWomen),
            part(C::Gender),
            part(C::Trafficking),
        ],
        "target 5.2 is violence against women and girls, trafficking included",
    ),
    (
        "5.3",
        &[full(C::ViolenceAgainstWomen), part(C::Gender)],
        "target 5.3 is harmful practices such as forced marriage",
    ),
    (
        "5.6",
        &[full(C::ReproductiveHealth), part(C::Gender)],
        "target 5.6 is sexual and reproductive health and rights",
    ),
    (
        "8.5",
        &[full(C::Employment), part(C::DecentWork)],
        "target 8.5 is full employment and decent work",
    ),
    (
        "8.6",
        &[full(C::Employment)],
        "target 8.6 is youth employment",
    ),
    (
        "8.7",
        &[full(C::ForcedLabour), part(C::Trafficking)],
        "target 8.7 is forced labour, modern slavery, trafficking and child labour",
    ),
    (
        "8.8",
        &[full(C::DecentWork), part(C::LabourMigration)],
        "target 8.8 is labour rights, naming migrant workers",
    ),
    (
        "8.10",
        &[part(C::Remittances)],
        "target 8.10 is access to financial services",
    ),
    (
        "10.2",
        &[full(C::Inclusion)],
        "target 10.2 is social, economic and political inclusion",
    ),
    (
        "10.3",
        &[full(C::DiscriminationAndMedia)],
        "target 10.3 is equal opportunity and ending discriminatory laws",
    ),
    (
        "10.7",
        &[full(C::MigrationGovernance)],
        "target 10.7 is orderly, safe and regular migration in general",
    ),
    (
        "10.c",
        &[full(C::Remittances)],
        "target 10.c is the cost of remittances",
    ),
    (
        "11.1",
        &[full(C::UrbanAndHousing)],
        "target 11.1 is adequate housing and slum upgrading",
    ),
    (
        "11.3",
        &[full(C::UrbanAndHousing)],
        "target 11.3 is inclusive urbanization",
    ),
    (
        "11.5",
        &[full(C::DisasterAndEmergency)],
        "target 11.5 is deaths and losses from disasters",
    ),
    (
        "11.b",
        &[full(C::DisasterAndEmergency), part(C::ClimateMobility)],
        "target 11.b is cities' resilience to disasters and climate change",
    ),
    (
        "13.1",
        &[full(C::ClimateMobility), part(C::DisasterAndEmergency)],
        "target 13.1 is resilience to climate-related hazards",
    ),
    (
        "13.2",
        &[full(C::ClimateMobility)],
        "target 13.2 is climate change in national policies",
    ),
    (
        "13.3",
        &[full(C::ClimateMobility)],
        "target 13.3 is awareness of climate change",
    ),
    (
        "16.1",
        &[full(C::Vulnerability)],
        "target 16.1 is reducing violence",
    ),
    (
        "16.2",
        &[full(C::Trafficking), full(C::ChildrenAndFamily)],
        "target 16.2 is abuse, exploitation, trafficking and violence against children",
    ),
    (
        "16.3",
        &[full(C::AccessToJustice)],
        "target 16.3 is the rule of law and access to justice",
    ),
    (
        "16.4",
        &[full(C::TransnationalCrime)],
        "target 16.4 is illicit flows and organized crime",
    ),
    (
        "16.9",
        &[full(C::LegalIdentity)],
        "target 16.9 is legal identity and birth registration",
    ),
    (
        "16.10",
        &[part(C::DiscriminationAndMedia)],
        "target 16.10 is public access to information and fundamental freedoms",
    ),
    (
        "16.b",
        &[full(C::DiscriminationAndMedia)],
        "target 16.b is non-discriminatory laws",
    ),
    (
        "17.3",
        &[part(C::Remittances), part(C::Diaspora)],
        "target 17.3 is financial resources for development, remittances among them",
    ),
    (
        "17.14",
        &[full(C::PolicyCoherence)],
        "target 17.14 is policy coherence",
    ),
    (
        "17.16",
        &[full(C::RegionalCooperation)],
        "target 17.16 is global partnership",
    ),
    (
        "17.17",
        &[full(C::RegionalCooperation)],
        "target 17.17 is partnerships",
    ),
    (
        "17.18",
        &[full(C::DataAndStatistics)],
        "target 17.18 is disaggregated data, migratory status included",
    ),
    (
        "17.19",
        &[full(C::DataAndStatistics)],
        "target 17.19 is statistical capacity",
    ),
];

/// SDG goals, for the goal codes themselves and for targets not in [`SDG_TARGET_ROWS`].
const SDG_GOAL_ROWS: &[Row] = &[
    (
        "1",
        &[part(C::SocialProtection)],
        "goal 1 (poverty) includes social protection",
    ),
    ("3", &[full(C::Health)], "goal 3 is health"),
    ("4", &[full(C::Education)], "goal 4 is education"),
    ("5", &[full(C::Gender)], "goal 5 is gender equality"),
    (
        "8",
        &[full(C::DecentWork), part(C::Employment)],
        "goal 8 is decent work",
    ),
    (
        "10",
        &[part(C::MigrationGovernance)],
        "goal 10 (inequalities) holds the migration target",
    ),
    (
        "11",
        &[full(C::UrbanAndHousing)],
        "goal 11 is cities and settlements",
    ),
    (
        "13",
        &[full(C::ClimateMobility)],
        "goal 13 is climate action",
    ),
    (
        "16",
        &[full(C::AccessToJustice)],
        "goal 16 is justice and institutions",
    ),
    (
        "17",
        &[full(C::RegionalCooperation)],
        "goal 17 is partnerships",
    ),
];

/// DAC purpose codes (5 digits) that name a concept; other codes fall back to their
/// category ([`DAC_CATEGORY_ROWS`], first three digits).
const DAC_CODE_ROWS: &[Row] = &[
    ("11330", &[full(C::Skills)], "vocational training"),
    (
        "11430",
        &[full(C::Skills)],
        "advanced technical and managerial training",
    ),
    (
        "12196",
        &[full(C::DataAndStatistics), part(C::Health)],
        "health statistics and data",
    ),
    (
        "12250",
        &[full(C::InfectiousDisease), part(C::Health)],
        "infectious disease control",
    ),
    (
        "12262",
        &[full(C::InfectiousDisease), part(C::Health)],
        "malaria control",
    ),
    (
        "12263",
        &[full(C::InfectiousDisease), part(C::Health)],
        "tuberculosis control",
    ),
    (
        "12264",
        &[full(C::InfectiousDisease), part(C::Health)],
        "COVID-19 control",
    ),
    (
        "13010",
        &[full(C::Population)],
        "population policy and administration",
    ),
    (
        "13020",
        &[full(C::ReproductiveHealth), part(C::Health)],
        "reproductive health care",
    ),
    ("13030", &[full(C::ReproductiveHealth)], "family planning"),
    (
        "13040",
        &[full(C::InfectiousDisease), part(C::Health)],
        "STD control including HIV/AIDS",
    ),
    (
        "13096",
        &[full(C::DataAndStatistics), part(C::Population)],
        "population statistics and data",
    ),
    ("15121", &[part(C::ConsularProtection)], "foreign affairs"),
    (
        "15122",
        &[full(C::ConsularProtection)],
        "diplomatic missions",
    ),
    (
        "15130",
        &[full(C::AccessToJustice)],
        "legal and judicial development",
    ),
    (
        "15131",
        &[full(C::AccessToJustice)],
        "justice, law and order",
    ),
    ("15132", &[full(C::AccessToJustice)], "police"),
    ("15134", &[full(C::AccessToJustice)], "judicial affairs"),
    (
        "15136",
        &[full(C::BorderManagement)],
        "immigration services",
    ),
    ("15160", &[full(C::HumanRights)], "human rights"),
    ("15162", &[full(C::HumanRights)], "human rights"),
    (
        "15164",
        &[full(C::Gender)],
        "women's equality organisations",
    ),
    (
        "15170",
        &[full(C::Gender)],
        "women's rights organisations and movements",
    ),
    (
        "15180",
        &[
            full(C::ViolenceAgainstWomen),
            part(C::Gender),
            part(C::Trafficking),
        ],
        "ending violence against women and girls, trafficking of women included",
    ),
    (
        "15190",
        &[full(C::MigrationGovernance)],
        "facilitation of orderly, safe, regular and responsible migration in general",
    ),
    (
        "15196",
        &[full(C::DataAndStatistics)],
        "government statistics and data",
    ),
    ("15261", &[full(C::ChildrenAndFamily)], "child soldiers"),
    ("16010", &[full(C::SocialProtection)], "social protection"),
    (
        "16011",
        &[full(C::SocialProtection)],
        "social protection policy",
    ),
    ("16012", &[full(C::SocialProtection)], "social security"),
    ("16013", &[full(C::SocialProtection)], "pensions"),
    (
        "16015",
        &[full(C::SocialProtection), part(C::ChildrenAndFamily)],
        "social services, women and children included",
    ),
    ("16020", &[full(C::Employment)], "employment creation"),
    ("16030", &[full(C::UrbanAndHousing)], "housing policy"),
    ("16040", &[full(C::UrbanAndHousing)], "low-cost housing"),
    (
        "16062",
        &[full(C::DataAndStatistics)],
        "statistical capacity building",
    ),
    ("16063", &[full(C::TransnationalCrime)], "narcotics control"),
    (
        "16064",
        &[full(C::InfectiousDisease)],
        "social mitigation of HIV/AIDS",
    ),
    ("16070", &[full(C::DecentWork)], "labour rights"),
    ("16080", &[full(C::DecentWork)], "social dialogue"),
    ("24050", &[full(C::Remittances)], "remittance facilitation"),
    ("43030", &[full(C::UrbanAndHousing)], "urban development"),
    ("43031", &[full(C::UrbanAndHousing)], "urban land policy"),
    ("43032", &[full(C::UrbanAndHousing)], "urban development"),
    (
        "43060",
        &[full(C::DisasterAndEmergency)],
        "disaster risk reduction",
    ),
    (
        "93015",
        &[full(C::RefugeesAndAsylum), full(C::ReturnAndReintegration)],
        "voluntary repatriation of refugees",
    ),
    (
        "93017",
        &[full(C::RefugeesAndAsylum), full(C::RescueAtSea)],
        "rescue of refugees at sea",
    ),
];

/// DAC categories and sector headings (3 digits).
const DAC_CATEGORY_ROWS: &[Row] = &[
    ("110", &[full(C::Education)], "education"),
    ("111", &[full(C::Education)], "education"),
    ("112", &[full(C::Education)], "basic education"),
    ("113", &[full(C::Education)], "secondary education"),
    (
        "114",
        &[full(C::Education), part(C::Skills)],
        "post-secondary education",
    ),
    ("120", &[full(C::Health)], "health"),
    ("121", &[full(C::Health)], "health"),
    ("122", &[full(C::Health)], "basic health"),
    ("123", &[full(C::Health)], "non-communicable diseases"),
    (
        "130",
        &[full(C::Population), part(C::ReproductiveHealth)],
        "population and reproductive health",
    ),
    (
        "160",
        &[part(C::SocialProtection)],
        "other social infrastructure and services",
    ),
    (
        "240",
        &[part(C::Remittances)],
        "banking and financial services",
    ),
    ("410", &[part(C::ClimateMobility)], "environment protection"),
    (
        "720",
        &[full(C::DisasterAndEmergency)],
        "emergency response",
    ),
    (
        "730",
        &[full(C::DisasterAndEmergency)],
        "reconstruction relief",
    ),
    (
        "740",
        &[full(C::DisasterAndEmergency)],
        "disaster prevention and preparedness",
    ),
    (
        "930",
        &[full(C::RefugeesAndAsylum)],
        "refugees in donor countries",
    ),
];

/// The working group's own topics.
const RTWG_ROWS: &[Row] = &[
    (
        "labour-migration",
        &[full(C::LabourMigration)],
        "the group's topic of the same name",
    ),
    (
        "trafficking",
        &[full(C::Trafficking)],
        "the group's topic of the same name",
    ),
    (
        "remittances",
        &[full(C::Remittances)],
        "the group's topic of the same name",
    ),
    (
        "gender",
        &[full(C::Gender)],
        "the group's topic of the same name",
    ),
    (
        "health",
        &[full(C::Health)],
        "the group's topic of the same name",
    ),
    (
        "family-and-children",
        &[full(C::ChildrenAndFamily)],
        "the group's topic of the same name",
    ),
    (
        "international-marriage",
        &[full(C::MarriageMigration)],
        "the group's topic of the same name",
    ),
    (
        "statistics-and-data",
        &[full(C::DataAndStatistics)],
        "the group's topic of the same name",
    ),
    (
        "regional-cooperation",
        &[full(C::RegionalCooperation)],
        "the group's topic of the same name",
    ),
    (
        "policy-coherence",
        &[full(C::PolicyCoherence)],
        "the group's topic of the same name",
    ),
];

fn row_mappings(rows: &[Row], code: &str) -> Option<Vec<CodeMapping>> {
    rows.iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, concepts, reason)| {
            concepts
                .iter()
                .map(|&(concept, strength)| CodeMapping {
                    concept,
                    strength,
                    reason,
                })
                .collect()
        })
}

/// The concepts a theme stands for. The theme should be canonical, as stored reports hold
/// it (see [`crate::report::vocabulary::normalize_theme`]); unknown vocabularies and codes
/// that name nothing of the group's work give none.
pub fn theme_concepts(theme: &Theme) -> Vec<CodeMapping> {
    let code = theme.code.as_str();
    let found = match theme.vocabulary.as_str() {
        "GCM" => row_mappings(GCM_ROWS, code),
        "SDG" => row_mappings(SDG_TARGET_ROWS, code).or_else(|| {
            let goal = code.split('.').next().unwrap_or(code);
            row_mappings(SDG_GOAL_ROWS, goal)
        }),
        "DAC" => row_mappings(DAC_CODE_ROWS, code).or_else(|| {
            code.get(..3)
                .and_then(|category| row_mappings(DAC_CATEGORY_ROWS, category))
        }),
        "RTWG" => row_mappings(RTWG_ROWS, code),
        _ => None,
    };
    found.unwrap_or_default()
}

/// A theme as people write it: "GCM-10", "SDG 16.2", "DAC 15180", "RTWG trafficking".
pub fn display_theme(theme: &Theme) -> String {
    match theme.vocabulary.as_str() {
        "GCM" => format!("GCM-{}", theme.code),
        other => format!("{other} {}", theme.code),
    }
}

// ---------------------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------------------

/// A keyword rule: phrases that show a concept in free text.
///
/// Phrases are written as people write them; they are folded like the text (case and
/// accents ignored, punctuation splits words, English stop words dropped on both sides). A
/// word ending in `*` matches any word starting with it ("recruit*"). A phrase in a script
/// written without spaces (Thai, Khmer, Chinese) is looked for as a substring.
pub struct KeywordRule {
    /// The concept shown.
    pub concept: Concept,
    /// 1 for words that name the concept, less for words that suggest it.
    pub strength: f64,
    /// The phrases.
    pub phrases: &'static [&'static str],
    /// Phrases in which a match does not count ("drug trafficking" for trafficking).
    pub except: &'static [&'static str],
}

const fn rule(
    concept: Concept,
    strength: f64,
    phrases: &'static [&'static str],
    except: &'static [&'static str],
) -> KeywordRule {
    KeywordRule {
        concept,
        strength,
        phrases,
        except,
    }
}

/// Words of other crimes that also "traffic": not trafficking in persons.
const NOT_HUMAN_TRAFFICKING: &[&str] = &[
    "drug trafficking",
    "drugs trafficking",
    "narcotics trafficking",
    "arms trafficking",
    "wildlife trafficking",
    "trafficking of drugs",
    "trafficking of narcotics",
    "trafficking of methamphetamine",
    "trafficking of wildlife",
    "trafficking of arms",
    "trafficking of protected species",
    "trafficking of timber",
];

/// The keyword rules, by concept.
pub const KEYWORD_RULES: &[KeywordRule] = &[
    rule(
        C::Trafficking,
        1.0,
        &[
            "trafficking",
            "trafficked",
            "trafficker*",
            "traite des personnes",
            "traite des etres humains",
            "trata de personas",
            "trata de seres humanos",
            "торговл* людьми",
            "人口贩运",
            "拐卖",
            "贩卖人口",
            "ค้ามนุษย์",
            "ជួញដូរមនុស្ស",
        ],
        NOT_HUMAN_TRAFFICKING,
    ),
    rule(
        C::Smuggling,
        1.0,
        &[
            "smuggling",
            "smuggled",
            "smuggler*",
            "trafic de migrants",
            "trafic illicite de migrants",
            "passeurs",
            "trafico de migrantes",
            "trafico ilicito de migrantes",
            "незаконн* ввоз* мигрант*",
            "偷渡",
            "蛇头",
        ],
        &[
            "drug smuggling",
            "smuggling of drugs",
            "smuggling of goods",
            "cigarette smuggling",
        ],
    ),
    rule(
        C::ForcedLabour,
        1.0,
        &[
            "forced labour",
            "forced labor",
            "modern slavery",
            "slavery",
            "bonded labour",
            "bonded labor",
            "debt bondage",
            "child labour",
            "child labor",
            "labour exploitation",
            "labor exploitation",
            "travail force",
            "travail des enfants",
            "trabajo forzoso",
            "trabajo infantil",
            "принудительн* труд*",
            "强迫劳动",
        ],
        &[],
    ),
    rule(
        C::LabourMigration,
        1.0,
        &[
            "labour migration",
            "labor migration",
            "migrant worker*",
            "migrant labour",
            "migrant labor",
            "overseas employment",
            "foreign employment",
            "overseas worker*",
            "workers abroad",
            "work abroad",
            "working abroad",
            "employment abroad",
            "guest worker*",
            "contract worker*",
            "contractual labour",
            "labour mobility",
            "labor mobility",
            "labour export",
            "manpower",
            "seasonal worker*",
            "seasonal employment",
            "seasonal work",
            "labour sending",
            "sending countries",
            "employment permit system",
            "travailleurs migrants",
            "travailleuses migrantes",
            "main oeuvre",
            "travail saisonnier",
            "migration de travail",
            "migracion laboral",
            "trabajadores migrantes",
            "трудов* мигра*",
            "трудящих* мигрант*",
            "แรงงานข้ามชาติ",
            "แรงงานต่างด้าว",
            "劳务",
            "外劳",
            "劳工",
            "ពលករ",
        ],
        &[],
    ),
    rule(
        C::Recruitment,
        1.0,
        &[
            "recruitment",
            "recruiter*",
            "recruiting",
            "recruited",
            "employment agenc*",
            "placement agenc*",
            "manpower agenc*",
            "labour export compan*",
            // Unlicensed brokers are the informal end of recruitment.
            "broker*",
            "employer pays",
            "agency fees",
            "recrutement",
            "reclutamiento",
            "вербовк*",
            "中介",
        ],
        &["marriage broker*"],
    ),
    rule(
        C::DecentWork,
        1.0,
        &[
            "decent work",
            "labour rights",
            "labor rights",
            "workers rights",
            "labour inspection",
            "labour inspector*",
            "labor inspector*",
            "working conditions",
            "wage*",
            "trade union*",
            "tripartite",
            "labour law*",
            "labour standards",
            "travail decent",
            "trabajo decente",
            "достойн* труд*",
            "профсоюз*",
        ],
        &[],
    ),
    rule(
        C::DomesticWork,
        1.0,
        &[
            "domestic worker*",
            "domestic work",
            "housemaid*",
            "maids",
            "C189",
            "convention no 189",
            "travailleurs domestiques",
            "travailleuses domestiques",
            "trabajadoras del hogar",
            "trabajadores domesticos",
            "домашн* работник*",
        ],
        &[],
    ),
    rule(
        C::Employment,
        0.7,
        &[
            "employment services",
            "employment counselling",
            "job placement",
            "job matching",
            "jobs",
            "employment creation",
            "livelihood*",
            "public employment",
            "emploi",
            "empleo",
            "занятост*",
        ],
        &[],
    ),
    rule(
        C::Skills,
        1.0,
        &[
            "skills",
            "skill",
            "qualifications",
            "vocational",
            "recognition of prior learning",
            "competences",
            "TVET",
            "formation professionnelle",
            "habilidades",
            "competencias",
            "навык*",
            "квалификац*",
        ],
        &[],
    ),
    rule(
        C::SocialProtection,
        1.0,
        &[
            "social protection",
            "social security",
            "pension*",
            "portability",
            "welfare fund",
            "social insurance",
            "employment injury",
            "protection sociale",
            "securite sociale",
            "proteccion social",
            "seguridad social",
            "социальн* защит*",
            "социальн* обеспечен*",
            "社会保障",
        ],
        &[],
    ),
    rule(
        C::Remittances,
        1.0,
        &[
            "remittance*",
            "money transfer*",
            "transfer money",
            "sending money",
            "send money",
            "money home",
            "money sent",
            // Informal transfer systems of South Asia.
            "hundi",
            "hawala",
            // Financial literacy and inclusion work in this group targets remittance
            // receivers (as GCM objective 20 pairs them).
            "financial literacy",
            "financial inclusion",
            "financial education",
            "transferts de fonds",
            "envois de fonds",
            "remesas",
            "remesa",
            "денежн* перевод*",
            "финансов* грамотност*",
            "汇款",
            "侨汇",
        ],
        &[],
    ),
    rule(
        C::Diaspora,
        1.0,
        &[
            "diaspora*",
            "expatriate*",
            "nationals abroad",
            "overseas communit*",
            "диаспор*",
            "侨民",
        ],
        &[],
    ),
    rule(
        C::Gender,
        0.6,
        &[
            "gender",
            "women",
            "woman",
            "girls",
            "female",
            "femmes",
            "femme",
            "mujeres",
            "mujer",
            "genero",
            "женщин*",
            "гендер*",
            "妇女",
            "女性",
            "ผู้หญิง",
            "สตรี",
            "ស្ត្រី",
        ],
        &[],
    ),
    rule(
        C::ViolenceAgainstWomen,
        1.0,
        &[
            "gender based violence",
            "GBV",
            "violence against women",
            "domestic violence",
            "sexual violence",
            "sexual exploitation",
            "survivors of violence",
            "violence against women and girls",
            "violence contre les femmes",
            "violence sexiste",
            "violencia contra la mujer",
            "violencia de genero",
            "насили* в отношении женщин",
            "家庭暴力",
        ],
        &[],
    ),
    rule(
        C::ViolenceAgainstWomen,
        0.5,
        &["violence", "abuse", "abused", "насили*"],
        &["violence against children", "child abuse"],
    ),
    rule(
        C::MarriageMigration,
        1.0,
        &[
            "marriage migra*",
            "international marriage*",
            "cross border marriage*",
            "brokered marriage*",
            "marriage broker*",
            "foreign spouse*",
            "foreign bride*",
            // Brokered and forced marriages across borders are the group's marriage
            // migration topic.
            "bride*",
            "forced marriage",
            "marriage",
            "mariage*",
            "matrimonio*",
            "брак*",
            "婚姻",
            "成婚",
            "新娘",
        ],
        &[],
    ),
    rule(
        C::ChildrenAndFamily,
        1.0,
        &[
            "child",
            "children",
            "childrens",
            "adolescent*",
            "minors",
            "unaccompanied",
            "separated children",
            "left behind",
            "families",
            "family",
            "parents",
            "parental",
            "caregiver*",
            "orphan*",
            "enfants",
            "enfant",
            "famille*",
            "ninos",
            "ninas",
            "nino",
            "infancia",
            "familia*",
            "дети",
            "детей",
            "детск*",
            "ребен*",
            "ребён*",
            "семья",
            "семьи",
            "семей",
            "родител*",
            "儿童",
            "孩子",
            "家庭",
            "เด็ก",
            "កុមារ",
        ],
        &[
            "child labour",
            "child labor",
            "child soldiers",
            "family planning",
        ],
    ),
    rule(
        C::Education,
        1.0,
        &[
            "education",
            "educational",
            "school*",
            "learning",
            "teacher*",
            "enrolment",
            "enrollment",
            "scolarisation",
            "scolaire",
            "ecole*",
            "educacion",
            "escuela*",
            "образован*",
            "школ*",
            "教育",
            "学校",
            "การศึกษา",
            "ការអប់រំ",
        ],
        &[
            "financial education",
            "health education",
            "learning centres",
            "recognition of prior learning",
        ],
    ),
    rule(
        C::Health,
        1.0,
        &[
            "health",
            "healthcare",
            "medical",
            "hospital*",
            "clinic*",
            "disease*",
            "psychosocial",
            "mental health",
            "sante",
            "salud",
            "здравоохран*",
            "здоров*",
            "медицин*",
            "健康",
            "卫生",
            "医疗",
            "สุขภาพ",
            "សុខភាព",
        ],
        &[],
    ),
    rule(
        C::InfectiousDisease,
        1.0,
        &[
            "hiv",
            "aids",
            "malaria",
            "tuberculosis",
            "std",
            "stds",
            "sti",
            "stis",
            // The pandemic response to migrants is a health emergency of its own.
            "covid*",
            "infectious",
            "communicable disease*",
            "epidemic*",
            "pandemic",
            "sida",
            "vih",
            "paludisme",
            "tuberculose",
            "вич",
            "спид",
            "маляри*",
            "туберкул*",
            "艾滋",
            "疟疾",
        ],
        &[],
    ),
    rule(
        C::ReproductiveHealth,
        1.0,
        &[
            "reproductive",
            "maternal",
            "antenatal",
            "prenatal",
            "family planning",
            "pregnan*",
            "safe delivery",
            "newborn",
            "sante reproductive",
            "maternelle",
            "salud materna",
            "репродуктив*",
            "материнск*",
        ],
        &[],
    ),
    rule(
        C::DataAndStatistics,
        1.0,
        &[
            "statistic*",
            "census*",
            "database*",
            "indicator*",
            "migration profile*",
            "country profile*",
            "labour force survey",
            "data collection",
            "donnees",
            "statistique*",
            "recensement",
            "datos",
            "estadistica*",
            "censo",
            "статистик*",
            "перепис*",
            "统计",
            "数据",
            "普查",
            "สถิติ",
            "ស្ថិតិ",
        ],
        &[],
    ),
    rule(
        C::DataAndStatistics,
        0.5,
        &[
            "data",
            "survey*",
            "measur*",
            "enquete",
            "encuesta*",
            "данны*",
            "обследован*",
        ],
        &[],
    ),
    rule(
        C::Population,
        1.0,
        &[
            "population and development",
            "population conference",
            "demographic*",
            "demography",
            "ICPD",
            "ageing",
            "aging population",
            "poblacion",
            "население",
        ],
        &[],
    ),
    rule(
        C::RegionalCooperation,
        1.0,
        &[
            "regional cooperation",
            "regional consultative process*",
            "intergovernmental",
            "inter governmental",
            "ministerial",
            "senior officials",
            "bilateral",
            "cooperation regionale",
            "cooperacion regional",
            "регионал* сотрудничеств*",
            "区域合作",
        ],
        &[],
    ),
    rule(
        C::RegionalCooperation,
        0.5,
        &["cooperation", "partnership*", "сотрудничеств*", "合作"],
        &[],
    ),
    rule(
        C::PolicyCoherence,
        1.0,
        &[
            "policy coherence",
            "coherence",
            "mainstreaming",
            "whole of government",
            "coherence des politiques",
        ],
        &[],
    ),
    rule(
        C::MigrationGovernance,
        1.0,
        &[
            "migration governance",
            "migration management",
            "migration policy",
            "migration policies",
            "safe migration",
            "orderly migration",
            "regular migration",
            "gouvernance des migrations",
            "gestion migratoria",
            "управлен* миграц*",
            "миграционн* политик*",
        ],
        &[],
    ),
    rule(
        C::ReturnAndReintegration,
        1.0,
        &[
            "returnee*",
            "reintegration",
            "reinsertion",
            "repatriation",
            "repatriated",
            "deportee*",
            "deported",
            "deportation",
            "readmission",
            "voluntary return",
            "returning",
            "returned",
            "return",
            "rapatriement",
            "retour",
            "retorno",
            "reintegracion",
            "repatriacion",
            "возвращ*",
            "реинтеграц*",
            "遣返",
        ],
        &[],
    ),
    rule(
        C::RefugeesAndAsylum,
        1.0,
        &[
            "refugee*",
            "asylum*",
            "refugee status determination",
            "RSD",
            "resettlement",
            "resettled",
            "displaced",
            "refugie*",
            "asile",
            "refugiado*",
            "asilo",
            "беженц*",
            "убежищ*",
            "难民",
            "ผู้ลี้ภัย",
            "ជនភៀសខ្លួន",
        ],
        &["resettlement of communities", "resettlement sites"],
    ),
    rule(
        C::LegalIdentity,
        1.0,
        &[
            "legal identity",
            "birth registration",
            "stateless*",
            "nationality",
            "identity documents",
            "undocumented",
            "nationality verification",
            "citizenship",
            "civil registration",
            "apatride*",
            "apatridie",
            "enregistrement des naissances",
            "registro de nacimientos",
            "apatrida*",
            "гражданств*",
            "无国籍",
        ],
        &[],
    ),
    rule(
        C::LegalIdentity,
        0.5,
        &["registration", "documentation", "регистрац*", "документ*"],
        &[],
    ),
    rule(
        C::BorderManagement,
        1.0,
        &[
            "border management",
            "border guard*",
            "border police",
            "border official*",
            "border control",
            "border crossing*",
            "border post*",
            "border liaison",
            "immigration officer*",
            "immigration official*",
            "immigration control",
            "document fraud",
            "fraudulent documents",
            "entry systems",
            "protection sensitive entry",
            "gestion des frontieres",
            "gestion de fronteras",
            "пограничн*",
            "пограничник*",
            "边境管理",
            "ด่านชายแดน",
        ],
        &[],
    ),
    rule(
        C::BorderManagement,
        0.5,
        &[
            "border",
            "borders",
            "frontiere*",
            "frontera*",
            "границ*",
            "边境",
            "ชายแดน",
            "ព្រំដែន",
        ],
        &["cross border", "cross-border"],
    ),
    rule(
        C::ScreeningAndReferral,
        1.0,
        &[
            "victim identification",
            "identification of victims",
            "identifying victims",
            "identify victims",
            "identification and referral",
            "screening",
            "referral*",
            "profiling",
            "case management",
            "vulnerable migrants",
            "identification des victimes",
            "выявлени*",
            "คัดแยก",
        ],
        &[],
    ),
    rule(
        C::Detention,
        1.0,
        &[
            "detention",
            "detained",
            "detainee*",
            "immigration depot*",
            "depots",
            "alternatives to detention",
            "ATD",
            "retention administrative",
            "detencion",
            "задержан*",
            "拘留",
        ],
        &[],
    ),
    rule(
        C::ConsularProtection,
        1.0,
        &[
            "consular*",
            "consulate*",
            "embassy",
            "embassies",
            "labour attache*",
            "labor attache*",
            "attache*",
            "welfare officer*",
            "overseas labour office*",
            "overseas labor office*",
            "diplomatic mission*",
            "consulaire*",
            "консульск*",
            "领事",
        ],
        &[],
    ),
    rule(
        C::RescueAtSea,
        1.0,
        &[
            "rescue at sea",
            "rescued at sea",
            "search and rescue",
            "disembarkation",
            "disembarked",
            "stranded at sea",
            "boat arrival*",
            "boat people",
            "missing migrants",
            "at sea",
            "sea crossing*",
            "sea arrivals",
            "brought ashore",
            "maritime movements",
            "irregular movements by sea",
            "sauvetage en mer",
            "rescate en el mar",
            "海上救援",
        ],
        &[],
    ),
    rule(
        C::ClimateMobility,
        1.0,
        &[
            "climate",
            "sea level rise",
            "environmental migration",
            "planned relocation",
            "relocation",
            "climate mobility",
            "drought",
            "climatique",
            "climatico",
            "климат*",
            "气候",
            "ภูมิอากาศ",
        ],
        &[],
    ),
    rule(
        C::DisasterAndEmergency,
        1.0,
        &[
            "disaster*",
            "emergency",
            "emergencies",
            "humanitarian",
            "crisis",
            "crises",
            "typhoon",
            "earthquake",
            "cyclone",
            "flood*",
            "evacuation",
            "preparedness",
            "non food items",
            "shelter kits",
            "catastrophe*",
            "urgence",
            "desastre*",
            "emergencia",
            "бедстви*",
            "чрезвычайн*",
            "灾害",
            "ภัยพิบัติ",
        ],
        &[],
    ),
    rule(
        C::BasicServices,
        1.0,
        &[
            "basic services",
            "access to services",
            "social services",
            "services for migrants",
        ],
        &[],
    ),
    rule(
        C::Inclusion,
        1.0,
        &[
            "inclusion",
            "integration",
            "social cohesion",
            "inclusive",
            "integration classes",
            "integration",
            "integracion",
            "интеграц*",
        ],
        &[
            "financial inclusion",
            "reintegration",
            "economic integration",
        ],
    ),
    rule(
        C::DiscriminationAndMedia,
        1.0,
        &[
            "discrimination",
            "discriminatory",
            "xenophobia",
            "stereotype*",
            "perception*",
            "public discourse",
            "media",
            "journalist*",
            "reporters",
            "editors",
            "racism",
            "medias",
            "journalistes",
            "periodistas",
            "журналист*",
            "дискриминац*",
            "媒体",
            "歧视",
        ],
        &[],
    ),
    rule(
        C::InformationAndOrientation,
        1.0,
        &[
            "pre departure",
            "predeparture",
            "orientation",
            "information campaign*",
            "awareness",
            "information centre*",
            "information center*",
            "resource centre*",
            "resource center*",
            "counselling",
            "counseling",
            "information services",
            "information desk*",
            "post arrival",
            "avant le depart",
            "sensibilisation",
            "informacion",
            "перед выезд*",
            "информирован*",
            "консультир*",
            "консультац*",
            "ចំណាកស្រុកដោយសុវត្ថិភាព",
        ],
        &["sexual orientation"],
    ),
    rule(
        C::RegularPathways,
        1.0,
        &[
            "regular channels",
            "legal channels",
            "regular pathway*",
            "legal pathway*",
            "visa*",
            "work permit*",
            "employment permit*",
            "labour mobility scheme*",
            "seasonal worker programme",
            "recognised seasonal employer",
            // The Russian Federation's work "patent" is the regular channel for Central
            // Asian workers.
            "патент*",
            "разрешени* на работу",
        ],
        &[],
    ),
    rule(
        C::Vulnerability,
        1.0,
        &[
            "vulnerable",
            "vulnerability",
            "vulnerabilities",
            "at risk",
            "уязвим*",
        ],
        &[],
    ),
    rule(
        C::HumanRights,
        1.0,
        &[
            "human rights",
            "rights based",
            "CEDAW",
            "droits de l homme",
            "droits humains",
            "derechos humanos",
            "прав* человек*",
            "人权",
        ],
        &[],
    ),
    rule(
        C::AccessToJustice,
        1.0,
        &[
            "access to justice",
            "legal aid",
            "justice",
            "judges",
            "judiciary",
            "judicial",
            "prosecutor*",
            "prosecution*",
            "court*",
            "criminal justice",
            "law enforcement",
            "police",
            "investigat*",
            "legal assistance",
            "legal counselling",
            "paralegal*",
            "remedies",
            "redress",
            "compensation",
            "acces a la justice",
            "aide juridique",
            "acceso a la justicia",
            "правосуд*",
            "юридическ* помощ*",
            "司法",
        ],
        // A ministry of justice hosting a conference says nothing about justice.
        &["ministry of justice", "minister of justice"],
    ),
    rule(
        C::TransnationalCrime,
        1.0,
        &[
            "drug*",
            "narcotic*",
            "methamphetamine",
            "precursor*",
            "transnational crime",
            "organized crime",
            "organised crime",
            "money laundering",
            "cybercrime",
            "criminal network*",
            "illicit",
            "SOMTC",
            "drogue*",
            "criminalite organisee",
            "narcotrafico",
            "наркот*",
            "организованн* преступн*",
            "毒品",
        ],
        &[],
    ),
    rule(
        C::UrbanAndHousing,
        1.0,
        &[
            "urban",
            "urbanization",
            "urbanisation",
            "cities",
            "slum*",
            "informal settlement*",
            "settlement improvement",
            "housing",
            "land tenure",
            "secure tenure",
            "logement",
            "vivienda",
            "жиль*",
            "住房",
        ],
        &[],
    ),
    rule(
        C::InternalMigration,
        1.0,
        &[
            "internal migra*",
            "rural urban",
            "rural to urban",
            "rural migrants",
            "internal migrants",
            "migration interne",
            "migracion interna",
            "внутренн* миграц*",
            "国内移民",
            "流动人口",
        ],
        &[],
    ),
];

/// One word of a compiled phrase.
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    Exact(String),
    Prefix(String),
}

impl Pattern {
    fn matches(&self, word: &str) -> bool {
        match self {
            Pattern::Exact(exact) => word == exact,
            Pattern::Prefix(prefix) => word.starts_with(prefix.as_str()),
        }
    }
}

/// A compiled phrase: a word sequence, or a substring of unspaced script.
#[derive(Debug, Clone, PartialEq)]
enum CompiledPhrase {
    Words(Vec<Pattern>),
    Substring(String),
}

fn compile(phrase: &str) -> Option<CompiledPhrase> {
    if is_unspaced_script(phrase) {
        return Some(CompiledPhrase::Substring(folded_text(phrase)));
    }
    let patterns: Vec<Pattern> = phrase
        .split_whitespace()
        .flat_map(|chunk| {
            let wildcard = chunk.ends_with('*');
            let words = folded_words(chunk.trim_end_matches('*'));
            let last = words.len().saturating_sub(1);
            words.into_iter().enumerate().map(move |(i, word)| {
                if wildcard && i == last {
                    Pattern::Prefix(word)
                } else {
                    Pattern::Exact(word)
                }
            })
        })
        .collect();
    (!patterns.is_empty()).then_some(CompiledPhrase::Words(patterns))
}

struct CompiledRule {
    rule: &'static KeywordRule,
    phrases: Vec<(&'static str, CompiledPhrase)>,
    except: Vec<CompiledPhrase>,
}

fn compiled_rules() -> &'static [CompiledRule] {
    static RULES: OnceLock<Vec<CompiledRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        KEYWORD_RULES
            .iter()
            .map(|rule| CompiledRule {
                rule,
                phrases: rule
                    .phrases
                    .iter()
                    .filter_map(|p| compile(p).map(|c| (*p, c)))
                    .collect(),
                except: rule.except.iter().filter_map(|p| compile(p)).collect(),
            })
            .collect()
    })
}

/// The word positions `[start, end)` where a word phrase matches.
fn word_spans(words: &[String], patterns: &[Pattern]) -> Vec<(usize, usize)> {
    if patterns.is_empty() || words.len() < patterns.len() {
        return Vec::new();
    }
    (0..=words.len() - patterns.len())
        .filter(|&start| {
            patterns
                .iter()
                .zip(&words[start..])
                .all(|(pattern, word)| pattern.matches(word))
        })
        .map(|start| (start, start + patterns.len()))
        .collect()
}

/// A concept found in a text, and the keyword that showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextConcept {
    /// The concept.
    pub concept: Concept,
    /// The rule's strength.
    pub strength: f64,
    /// The keyword phrase that matched, as written in the rule.
    pub keyword: &'static str,
}

/// The concepts a free text shows, each once, with the first keyword that showed it (the
/// strongest rule wins when several do).
pub fn text_concepts(text: &str) -> Vec<TextConcept> {
    let words = folded_words(text);
    let joined = words.join(" ");
    let present: HashSet<&str> = words.iter().map(String::as_str).collect();
    let unspaced = is_unspaced_script(&joined);
    // A phrase whose first word is exact can only match when that word is in the text:
    // checking that first skips most phrases of most rules.
    let may_match = |patterns: &[Pattern]| match patterns.first() {
        Some(Pattern::Exact(word)) => present.contains(word.as_str()),
        Some(Pattern::Prefix(_)) => true,
        None => false,
    };
    let mut found: Vec<TextConcept> = Vec::new();
    for compiled in compiled_rules() {
        // Exceptions are looked for only once a phrase matched: most rules match nothing.
        let mut excluded: Option<Vec<(usize, usize)>> = None;
        let mut excluded_spans = || -> Vec<(usize, usize)> {
            excluded
                .get_or_insert_with(|| {
                    compiled
                        .except
                        .iter()
                        .flat_map(|phrase| match phrase {
                            CompiledPhrase::Words(patterns) => word_spans(&words, patterns),
                            CompiledPhrase::Substring(_) => Vec::new(),
                        })
                        .collect()
                })
                .clone()
        };
        let hit = compiled.phrases.iter().find(|(_, phrase)| match phrase {
            CompiledPhrase::Substring(needle) => unspaced && joined.contains(needle.as_str()),
            CompiledPhrase::Words(patterns) if !may_match(patterns) => false,
            CompiledPhrase::Words(patterns) => {
                let spans = word_spans(&words, patterns);
                !spans.is_empty() && {
                    let excluded = excluded_spans();
                    spans.into_iter().any(|(start, end)| {
                        !excluded.iter().any(|&(from, to)| start < to && from < end)
                    })
                }
            }
        });
        if let Some((keyword, _)) = hit {
            let rule = compiled.rule;
            match found.iter_mut().find(|f| f.concept == rule.concept) {
                Some(existing) if existing.strength >= rule.strength => {}
                Some(existing) => {
                    existing.strength = rule.strength;
                    existing.keyword = keyword;
                }
                None => found.push(TextConcept {
                    concept: rule.concept,
                    strength: rule.strength,
                    keyword,
                }),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::vocabulary::{THEME_VOCABULARIES, normalize_theme, theme_codes};

    fn theme(vocabulary: &str, code: &str) -> Theme {
        normalize_theme(vocabulary, code).expect("a valid theme")
    }

    fn concepts_of(vocabulary: &str, code: &str) -> Vec<Concept> {
        theme_concepts(&theme(vocabulary, code))
            .into_iter()
            .map(|m| m.concept)
            .collect()
    }

    fn found(text: &str) -> Vec<Concept> {
        text_concepts(text).into_iter().map(|c| c.concept).collect()
    }

    #[test]
    fn codes_of_concepts_are_unique_and_kebab() {
        let mut codes: Vec<&str> = Concept::ALL.iter().map(|c| c.code()).collect();
        for code in &codes {
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{code}"
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Concept::ALL.len());
        for concept in Concept::ALL {
            assert!((0.0..=1.0).contains(&concept.specificity()) && concept.specificity() > 0.0);
            assert!(!concept.label().is_empty());
        }
    }

    #[test]
    fn every_mapped_code_exists_in_the_vocabularies() {
        let tables: [(&str, &[Row]); 6] = [
            ("GCM", GCM_ROWS),
            ("SDG", SDG_TARGET_ROWS),
            ("SDG", SDG_GOAL_ROWS),
            ("DAC", DAC_CODE_ROWS),
            ("DAC", DAC_CATEGORY_ROWS),
            ("RTWG", RTWG_ROWS),
        ];
        for (vocabulary, rows) in tables {
            for (code, concepts, reason) in rows {
                let normalized = normalize_theme(vocabulary, code)
                    .unwrap_or_else(|e| panic!("{vocabulary} {code}: {e}"));
                assert_eq!(normalized.code, *code, "{vocabulary} {code} is canonical");
                assert!(
                    !concepts.is_empty() && !reason.is_empty(),
                    "{vocabulary} {code}"
                );
            }
        }
    }

    #[test]
    fn every_gcm_objective_and_rtwg_topic_is_mapped() {
        for vocabulary in ["GCM", "RTWG"] {
            for (code, _) in theme_codes(vocabulary) {
                assert!(
                    !concepts_of(vocabulary, code).is_empty(),
                    "{vocabulary} {code}"
                );
            }
        }
        // The migration-related SDG targets and DAC codes named in the domain.
        for code in ["10.7", "10.c", "8.7", "8.8", "5.2", "16.2", "16.9", "17.18"] {
            assert!(!concepts_of("SDG", code).is_empty(), "SDG {code}");
        }
        for code in ["15190", "15136", "15180"] {
            assert!(!concepts_of("DAC", code).is_empty(), "DAC {code}");
        }
        assert!(THEME_VOCABULARIES.len() == 4);
    }

    #[test]
    fn trafficking_meets_across_vocabularies_and_words() {
        let trafficking = Concept::Trafficking;
        assert!(concepts_of("GCM", "10").contains(&trafficking));
        assert!(concepts_of("SDG", "16.2").contains(&trafficking));
        assert!(concepts_of("DAC", "15180").contains(&trafficking));
        assert!(concepts_of("RTWG", "trafficking").contains(&trafficking));
        assert!(found("Counter-trafficking training for police").contains(&trafficking));
        assert!(found("Lutte contre la traite des êtres humains").contains(&trafficking));
        assert!(found("Trata de personas en la frontera").contains(&trafficking));
        assert!(found("Противодействие торговле людьми").contains(&trafficking));
        assert!(found("中越边境打击拐卖人口合作研讨会").contains(&trafficking));
        assert!(found("การฝึกอบรมการคัดแยกผู้เสียหายจากการค้ามนุษย์").contains(&trafficking));
    }

    #[test]
    fn exceptions_keep_other_crimes_apart() {
        let drugs = found(
            "Border liaison offices against drug trafficking and trafficking of methamphetamine",
        );
        assert!(!drugs.contains(&Concept::Trafficking), "{drugs:?}");
        assert!(drugs.contains(&Concept::TransnationalCrime));
        assert!(drugs.contains(&Concept::BorderManagement));
        let both = found("drug trafficking and trafficking in persons");
        assert!(both.contains(&Concept::Trafficking));
        assert!(!found("cross-border cooperation").contains(&Concept::BorderManagement));
        assert!(!found("financial inclusion").contains(&Concept::Inclusion));
    }

    #[test]
    fn wildcards_match_inflections() {
        assert!(found("Recruiters and brokers").contains(&Concept::Recruitment));
        assert!(found("трудовых мигрантов").contains(&Concept::LabourMigration));
        assert!(found("денежным переводам").contains(&Concept::Remittances));
        assert!(found("HIV services").contains(&Concept::InfectiousDisease));
    }

    #[test]
    fn strongest_rule_wins() {
        let concepts = text_concepts("violence and gender-based violence");
        let vaw: Vec<&TextConcept> = concepts
            .iter()
            .filter(|c| c.concept == Concept::ViolenceAgainstWomen)
            .collect();
        assert_eq!(vaw.len(), 1);
        assert_eq!(vaw[0].strength, 1.0);
    }

    #[test]
    fn fallbacks_and_unknowns() {
        assert_eq!(
            concepts_of("SDG", "3.4"),
            [Concept::Health],
            "goal fallback"
        );
        assert_eq!(
            concepts_of("DAC", "12220"),
            [Concept::Health],
            "category fallback"
        );
        assert!(concepts_of("DAC", "21020").is_empty(), "road transport");
        let unknown = Theme {
            vocabulary: "IATI".into(),
            code: "1".into(),
        };
        assert!(theme_concepts(&unknown).is_empty());
    }

    #[test]
    fn themes_display_as_people_write_them() {
        assert_eq!(display_theme(&theme("GCM", "10")), "GCM-10");
        assert_eq!(display_theme(&theme("SDG", "16.2")), "SDG 16.2");
        assert_eq!(
            display_theme(&theme("RTWG", "trafficking")),
            "RTWG trafficking"
        );
    }
}
