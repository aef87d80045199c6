//! The consolidated view (`concord.v1.View`; `concord query`, `matrix`, `freshness`,
//! `calendar`) over a realistic generated working group, every answer checked exactly
//! against a brute-force oracle.
//!
//! The group: the fifteen default members, fourteen of which post (the node's own
//! organization, UNIAP, is silent); about 2,500 reports of 2005-2026 of every type and
//! status, in thirty-five countries, coded in all four theme vocabularies, with target
//! groups, participants named by code and by alias, cities, multilingual titles; some
//! revised once or twice, some withdrawn; a dozen deliberate upcoming events (a clash, a
//! near miss, a cancelled and a withdrawn twin). Each member's reports are written as its
//! own signed log (its key, its clock: entries dated over twenty years) and ingested by one
//! standalone node through `Ledger::ingest_batch`, as replication would.
//!
//! The oracle never calls the code under test: it filters, counts and ranks the generated
//! data held here. What a theme or a title "is about" (the topics) comes from a table
//! written by hand for the codes and subjects used, and what a region contains from a table
//! of the countries used; both are compared once with the crosswalk and the vocabulary, so
//! a change there fails loudly with its reason instead of silently moving the expectations.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use concord::config::NodeConfig;
use concord::log::{Change, EntryBody, EntryHash, SignedEntry};
use concord::report::{ActivityStatus, ActivityType, Date};
use concord::rpc::client::{
    Client, ClientError, Dimension, FreshnessState, Matrix, MatrixCell, RemoteCalendarEvent,
    RemoteViewPage, ViewFilters, ViewQueryRequest,
};
use concord::rpc::pb::view_client::ViewClient;
use concord::rpc::{codec, pb};
use serde_json::Value;
use uuid::Uuid;

use crate::harness::{TestNode, run_client, sample_content, submit};

const DAY_MS: i64 = 86_400_000;

// ---------------------------------------------------------------------------------------
// A deterministic generator
// ---------------------------------------------------------------------------------------

/// SplitMix64: small, deterministic, good enough to vary test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------
// The working group, its countries, subjects and vocabularies (hand-written)
// ---------------------------------------------------------------------------------------

/// The default members, in the order of `trust::setup::DEFAULT_MEMBERS`.
const MEMBERS: [&str; 15] = [
    "ESCAP",
    "IOM",
    "ILO",
    "UNHCR",
    "UNICEF",
    "UNODC",
    "UNDP",
    "UNFPA",
    "UN-Women",
    "UNESCO",
    "WHO",
    "UNAIDS",
    "OHCHR",
    "UN-Habitat",
    "UNIAP",
];

/// The node's own organization: it never posts (UNIAP closed in 2014).
const SILENT: &str = "UNIAP";

/// Each posting member: reports, days since its last posting, subjects it works on most.
const PROFILES: &[(&str, usize, i64, &[usize])] = &[
    ("ESCAP", 250, 2, &[5, 9, 25, 26, 4, 21, 30]),
    ("IOM", 400, 1, &[0, 1, 5, 8, 20, 27, 3, 7]),
    ("ILO", 280, 10, &[2, 3, 6, 14, 15, 5]),
    ("UNHCR", 150, 45, &[13, 22, 24, 12]),
    ("UNICEF", 170, 70, &[12, 28, 24, 0]),
    ("UNODC", 230, 5, &[0, 7, 1, 22]),
    ("UNDP", 130, 120, &[4, 16, 21, 26]),
    ("UNFPA", 110, 400, &[11, 30, 9, 18]),
    ("UN-Women", 160, 15, &[18, 6, 19, 0, 11]),
    ("UNESCO", 80, 200, &[28, 15, 29]),
    ("WHO", 100, 25, &[27, 10, 11]),
    ("UNAIDS", 70, 800, &[10, 27]),
    ("OHCHR", 90, 60, &[29, 22, 18]),
    ("UN-Habitat", 60, 100, &[17, 21]),
];

/// A country used: alpha-2, alpha-3, English name, M49 sub-region, ESCAP member or
/// associate member, cities.
#[derive(Clone, Copy)]
struct CountryInfo {
    alpha2: &'static str,
    alpha3: &'static str,
    name: &'static str,
    sub_region: &'static str,
    escap: bool,
    cities: &'static [&'static str],
}

const fn country(
    alpha2: &'static str,
    alpha3: &'static str,
    name: &'static str,
    sub_region: &'static str,
    escap: bool,
    cities: &'static [&'static str],
) -> CountryInfo {
    CountryInfo {
        alpha2,
        alpha3,
        name,
        sub_region,
        escap,
        cities,
    }
}

const COUNTRIES: &[CountryInfo] = &[
    country(
        "KH",
        "KHM",
        "Cambodia",
        "035",
        true,
        &["Phnom Penh", "Siem Reap"],
    ),
    country(
        "TH",
        "THA",
        "Thailand",
        "035",
        true,
        &["Bangkok", "Chiang Mai"],
    ),
    country(
        "LA",
        "LAO",
        "Lao People's Democratic Republic",
        "035",
        true,
        &["Vientiane"],
    ),
    country(
        "VN",
        "VNM",
        "Viet Nam",
        "035",
        true,
        &["Hanoi", "Ho Chi Minh City"],
    ),
    country("MM", "MMR", "Myanmar", "035", true, &["Yangon"]),
    country("PH", "PHL", "Philippines", "035", true, &["Manila", "Cebu"]),
    country("ID", "IDN", "Indonesia", "035", true, &["Jakarta"]),
    country("MY", "MYS", "Malaysia", "035", true, &["Kuala Lumpur"]),
    country("SG", "SGP", "Singapore", "035", true, &["Singapore"]),
    country("TL", "TLS", "Timor-Leste", "035", true, &["Dili"]),
    country("BD", "BGD", "Bangladesh", "034", true, &["Dhaka"]),
    country("NP", "NPL", "Nepal", "034", true, &["Kathmandu"]),
    country("LK", "LKA", "Sri Lanka", "034", true, &["Colombo"]),
    country("IN", "IND", "India", "034", true, &["New Delhi"]),
    country("PK", "PAK", "Pakistan", "034", true, &["Islamabad"]),
    country("AF", "AFG", "Afghanistan", "034", true, &["Kabul"]),
    country("CN", "CHN", "China", "030", true, &["Beijing"]),
    country("JP", "JPN", "Japan", "030", true, &["Tokyo"]),
    country("KR", "KOR", "Republic of Korea", "030", true, &["Seoul"]),
    country("MN", "MNG", "Mongolia", "030", true, &["Ulaanbaatar"]),
    country("HK", "HKG", "Hong Kong, China", "030", true, &["Hong Kong"]),
    country("KZ", "KAZ", "Kazakhstan", "143", true, &["Almaty"]),
    country("KG", "KGZ", "Kyrgyzstan", "143", true, &["Bishkek"]),
    country("UZ", "UZB", "Uzbekistan", "143", true, &["Tashkent"]),
    country("TJ", "TJK", "Tajikistan", "143", true, &["Dushanbe"]),
    country("SA", "SAU", "Saudi Arabia", "145", false, &["Riyadh"]),
    country(
        "AE",
        "ARE",
        "United Arab Emirates",
        "145",
        false,
        &["Dubai"],
    ),
    country("QA", "QAT", "Qatar", "145", false, &["Doha"]),
    country("KW", "KWT", "Kuwait", "145", false, &["Kuwait City"]),
    country("TR", "TUR", "Türkiye", "145", true, &["Istanbul"]),
    country("FJ", "FJI", "Fiji", "054", true, &["Suva"]),
    country(
        "PG",
        "PNG",
        "Papua New Guinea",
        "054",
        true,
        &["Port Moresby"],
    ),
    country("AU", "AUS", "Australia", "053", true, &["Canberra"]),
    country("NZ", "NZL", "New Zealand", "053", true, &["Wellington"]),
    country("WS", "WSM", "Samoa", "061", true, &["Apia"]),
];

fn country_info(alpha2: &str) -> &'static CountryInfo {
    COUNTRIES
        .iter()
        .find(|c| c.alpha2 == alpha2)
        .unwrap_or_else(|| panic!("country {alpha2} is not in the table"))
}

/// The regions reports name and queries ask for.
const REGIONS: &[&str] = &[
    "ESCAP", "142", "035", "034", "030", "143", "145", "009", "054",
];

/// The M49 areas directly or indirectly inside another (by hand).
const M49_INSIDE: &[(&str, &[&str])] = &[
    ("142", &["030", "034", "035", "143", "145"]),
    ("009", &["053", "054", "057", "061"]),
];

/// The regions of `REGIONS` entirely made of ESCAP members (by hand: Eastern Asia holds
/// Taiwan, Western Asia the Gulf, Asia both, Oceania territories that are not associate
/// members).
const INSIDE_ESCAP: &[&str] = &["034", "035", "143", "054"];

fn region_contains_country(region: &str, alpha2: &str) -> bool {
    let country = country_info(alpha2);
    match region {
        "ESCAP" => country.escap,
        "001" => true,
        _ => {
            region == country.sub_region
                || M49_INSIDE
                    .iter()
                    .any(|(outer, inner)| *outer == region && inner.contains(&country.sub_region))
        }
    }
}

fn region_contains_region(outer: &str, inner: &str) -> bool {
    outer == inner
        || (outer == "ESCAP" && INSIDE_ESCAP.contains(&inner))
        || M49_INSIDE
            .iter()
            .any(|(o, i)| *o == outer && i.contains(&inner))
}

/// A subject of the group's work: how titles say it, the topics the title shows (by hand),
/// the themes its reports are coded with, their usual target groups and summary words.
struct Subject {
    phrase: &'static str,
    topics: &'static [&'static str],
    themes: &'static [&'static str],
    groups: &'static [&'static str],
}

const fn subject(
    phrase: &'static str,
    topics: &'static [&'static str],
    themes: &'static [&'static str],
    groups: &'static [&'static str],
) -> Subject {
    Subject {
        phrase,
        topics,
        themes,
        groups,
    }
}

const TRAFFICKING: usize = 0;
const RECRUITMENT_FEES: usize = 2;
const CHILDREN: usize = 12;
const SKILLS: usize = 15;
const MIGRANT_HEALTH: usize = 27;

const SUBJECTS: &[Subject] = &[
    subject(
        "trafficking in persons",
        &["trafficking"],
        &[
            "GCM:10",
            "SDG:16.2",
            "SDG:8.7",
            "DAC:15180",
            "RTWG:trafficking",
            "SDG:5.2",
        ],
        &[
            "TRAFFICKING_SURVIVORS",
            "WOMEN_AND_GIRLS",
            "GOVERNMENT_OFFICIALS",
        ],
    ),
    subject(
        "victim identification and referral",
        &["screening-and-referral"],
        &["GCM:12", "GCM:10", "RTWG:trafficking"],
        &["TRAFFICKING_SURVIVORS", "GOVERNMENT_OFFICIALS"],
    ),
    subject(
        "recruitment fees",
        &["recruitment"],
        &["GCM:6", "SDG:8.8", "DAC:16070", "RTWG:labour-migration"],
        &["MIGRANT_WORKERS", "EMPLOYERS_AND_RECRUITERS"],
    ),
    subject(
        "fair recruitment of migrant workers",
        &["recruitment", "labour-migration"],
        &["GCM:6", "SDG:8.8", "RTWG:labour-migration"],
        &["MIGRANT_WORKERS", "EMPLOYERS_AND_RECRUITERS"],
    ),
    subject(
        "remittance costs",
        &["remittances"],
        &["GCM:20", "SDG:10.c", "DAC:24050", "RTWG:remittances"],
        &["MIGRANT_WORKERS", "DIASPORA"],
    ),
    subject(
        "labour migration governance",
        &["labour-migration", "migration-governance"],
        &[
            "GCM:5",
            "SDG:10.7",
            "DAC:15190",
            "RTWG:labour-migration",
            "RTWG:policy-coherence",
        ],
        &["GOVERNMENT_OFFICIALS", "MIGRANT_WORKERS"],
    ),
    subject(
        "migrant domestic workers",
        &["domestic-work"],
        &["SDG:8.8", "GCM:6", "RTWG:gender", "SDG:5.1"],
        &["MIGRANT_WORKERS", "WOMEN_AND_GIRLS"],
    ),
    subject(
        "smuggling of migrants",
        &["smuggling"],
        &["GCM:9", "SDG:16.4", "DAC:15136"],
        &["GOVERNMENT_OFFICIALS"],
    ),
    subject(
        "safe migration",
        &["migration-governance"],
        &["SDG:10.7", "DAC:15190", "GCM:3"],
        &["MIGRANT_WORKERS", "WOMEN_AND_GIRLS"],
    ),
    subject(
        "migration statistics",
        &["data-and-statistics"],
        &[
            "GCM:1",
            "SDG:17.18",
            "DAC:16062",
            "RTWG:statistics-and-data",
        ],
        &["GOVERNMENT_OFFICIALS"],
    ),
    subject(
        "HIV prevention among mobile populations",
        &["infectious-disease"],
        &["SDG:3.3", "DAC:13040", "RTWG:health"],
        &["MIGRANT_WORKERS"],
    ),
    subject(
        "maternal health of migrant women",
        &["reproductive-health", "health"],
        &["SDG:3.7", "DAC:13020", "RTWG:health", "RTWG:gender"],
        &["WOMEN_AND_GIRLS"],
    ),
    subject(
        "children on the move",
        &["children-and-family"],
        &["SDG:16.2", "RTWG:family-and-children", "GCM:7"],
        &["CHILDREN_ON_THE_MOVE"],
    ),
    subject(
        "refugee protection",
        &["refugees-and-asylum"],
        &["DAC:93015", "GCM:13"],
        &["REFUGEES_AND_ASYLUM_SEEKERS"],
    ),
    subject(
        "social protection for migrant workers",
        &["social-protection", "labour-migration"],
        &["GCM:22", "DAC:16010", "SDG:1.3"],
        &["MIGRANT_WORKERS"],
    ),
    subject(
        "skills recognition",
        &["skills"],
        &["GCM:18", "SDG:4.4", "DAC:11330"],
        &["MIGRANT_WORKERS", "RETURNEES"],
    ),
    subject(
        "diaspora engagement",
        &["diaspora"],
        &["GCM:19", "RTWG:remittances"],
        &["DIASPORA"],
    ),
    subject(
        "urban migrants",
        &["urban-and-housing"],
        &["SDG:11.1", "DAC:43030"],
        &["MIGRANT_WORKERS"],
    ),
    subject(
        "violence against women migrants",
        &["violence-against-women"],
        &["SDG:5.2", "DAC:15180", "RTWG:gender", "DAC:15170"],
        &["WOMEN_AND_GIRLS", "TRAFFICKING_SURVIVORS"],
    ),
    subject(
        "international marriage",
        &["marriage-migration"],
        &["RTWG:international-marriage", "RTWG:gender"],
        &["WOMEN_AND_GIRLS"],
    ),
    subject(
        "return and reintegration",
        &["return-and-reintegration"],
        &["GCM:21", "DAC:93015"],
        &["RETURNEES"],
    ),
    subject(
        "climate-induced migration",
        &["climate-mobility"],
        &["GCM:2", "SDG:13.1", "DAC:43060"],
        &["GOVERNMENT_OFFICIALS"],
    ),
    subject(
        "alternatives to immigration detention",
        &["detention"],
        &["GCM:13"],
        &["REFUGEES_AND_ASYLUM_SEEKERS", "CHILDREN_ON_THE_MOVE"],
    ),
    subject(
        "consular assistance",
        &["consular-protection"],
        &["GCM:14"],
        &["MIGRANT_WORKERS"],
    ),
    subject(
        "birth registration",
        &["legal-identity"],
        &["SDG:16.9", "GCM:4"],
        &["CHILDREN_ON_THE_MOVE"],
    ),
    subject(
        "regional cooperation on migration",
        &["regional-cooperation"],
        &["GCM:23", "RTWG:regional-cooperation", "SDG:10.7"],
        &["GOVERNMENT_OFFICIALS", "CIVIL_SOCIETY"],
    ),
    subject(
        "policy coherence",
        &["policy-coherence"],
        &["RTWG:policy-coherence", "SDG:10.7"],
        &["GOVERNMENT_OFFICIALS"],
    ),
    subject(
        "migrant health",
        &["health"],
        &["SDG:3.8", "RTWG:health", "GCM:15"],
        &["MIGRANT_WORKERS"],
    ),
    subject(
        "education of migrant children",
        &["education", "children-and-family"],
        &["SDG:4.5", "DAC:11220", "GCM:15"],
        &["CHILDREN_ON_THE_MOVE"],
    ),
    subject(
        "human rights of migrants",
        &["human-rights"],
        &["DAC:15160", "GCM:17"],
        &["CIVIL_SOCIETY"],
    ),
    subject(
        "demographic change and migration",
        &["population"],
        &["DAC:13010", "RTWG:statistics-and-data"],
        &["GOVERNMENT_OFFICIALS"],
    ),
];

/// Themes any report may carry besides its subject's.
const GENERIC_THEMES: &[&str] = &[
    "SDG:10.7",
    "DAC:15190",
    "GCM:23",
    "RTWG:regional-cooperation",
    "RTWG:policy-coherence",
    "SDG:17.18",
];

/// What each theme used is about (the crosswalk's full-strength topics), by hand.
const THEME_TOPICS: &[(&str, &[&str])] = &[
    ("GCM:1", &["data-and-statistics"]),
    ("GCM:2", &["climate-mobility"]),
    ("GCM:3", &["information-and-orientation"]),
    ("GCM:4", &["legal-identity"]),
    ("GCM:5", &["regular-pathways"]),
    ("GCM:6", &["recruitment", "decent-work"]),
    ("GCM:7", &["vulnerability"]),
    ("GCM:9", &["smuggling"]),
    ("GCM:10", &["trafficking"]),
    ("GCM:12", &["screening-and-referral"]),
    ("GCM:13", &["detention"]),
    ("GCM:14", &["consular-protection"]),
    ("GCM:15", &["basic-services"]),
    ("GCM:17", &["discrimination-and-media"]),
    ("GCM:18", &["skills"]),
    ("GCM:19", &["diaspora"]),
    ("GCM:20", &["remittances"]),
    ("GCM:21", &["return-and-reintegration"]),
    ("GCM:22", &["social-protection"]),
    ("GCM:23", &["regional-cooperation"]),
    ("SDG:1.3", &["social-protection"]),
    ("SDG:3.3", &["infectious-disease"]),
    ("SDG:3.7", &["reproductive-health"]),
    ("SDG:3.8", &["health"]),
    ("SDG:4.4", &["skills"]),
    ("SDG:4.5", &["education"]),
    ("SDG:5.1", &["gender"]),
    ("SDG:5.2", &["violence-against-women"]),
    ("SDG:8.7", &["forced-labour"]),
    ("SDG:8.8", &["decent-work"]),
    ("SDG:10.7", &["migration-governance"]),
    ("SDG:10.c", &["remittances"]),
    ("SDG:11.1", &["urban-and-housing"]),
    ("SDG:13.1", &["climate-mobility"]),
    ("SDG:16.2", &["trafficking", "children-and-family"]),
    ("SDG:16.4", &["transnational-crime"]),
    ("SDG:16.9", &["legal-identity"]),
    ("SDG:17.18", &["data-and-statistics"]),
    ("DAC:11220", &["education"]),
    ("DAC:11330", &["skills"]),
    ("DAC:13010", &["population"]),
    ("DAC:13020", &["reproductive-health"]),
    ("DAC:13040", &["infectious-disease"]),
    ("DAC:15136", &["border-management"]),
    ("DAC:15160", &["human-rights"]),
    ("DAC:15170", &["gender"]),
    ("DAC:15180", &["violence-against-women"]),
    ("DAC:15190", &["migration-governance"]),
    ("DAC:16010", &["social-protection"]),
    ("DAC:16062", &["data-and-statistics"]),
    ("DAC:16070", &["decent-work"]),
    ("DAC:24050", &["remittances"]),
    ("DAC:43030", &["urban-and-housing"]),
    ("DAC:43060", &["disaster-and-emergency"]),
    (
        "DAC:93015",
        &["refugees-and-asylum", "return-and-reintegration"],
    ),
    ("RTWG:labour-migration", &["labour-migration"]),
    ("RTWG:trafficking", &["trafficking"]),
    ("RTWG:remittances", &["remittances"]),
    ("RTWG:gender", &["gender"]),
    ("RTWG:health", &["health"]),
    ("RTWG:family-and-children", &["children-and-family"]),
    ("RTWG:international-marriage", &["marriage-migration"]),
    ("RTWG:statistics-and-data", &["data-and-statistics"]),
    ("RTWG:regional-cooperation", &["regional-cooperation"]),
    ("RTWG:policy-coherence", &["policy-coherence"]),
];

fn theme_topics(theme: &str) -> &'static [&'static str] {
    THEME_TOPICS
        .iter()
        .find(|(t, _)| *t == theme)
        .map(|(_, topics)| *topics)
        .unwrap_or_else(|| panic!("theme {theme} is not in the table"))
}

/// How titles name an activity of each type (none of these words shows a topic).
const KINDS: &[(&str, &[&str])] = &[
    (
        "MEETING",
        &["Coordination meeting", "Expert group meeting", "Meeting"],
    ),
    ("CONFERENCE", &["Conference", "Regional conference"]),
    ("TRAINING", &["Training", "Workshop", "Training course"]),
    ("RESEARCH", &["Study", "Research", "Assessment"]),
    ("PUBLICATION", &["Report", "Handbook", "Policy brief"]),
    ("POLICY_DIALOGUE", &["Policy dialogue", "Consultation"]),
    (
        "AGREEMENT",
        &["Memorandum of understanding", "Joint statement"],
    ),
    (
        "TECHNICAL_ASSISTANCE",
        &["Technical assistance", "Advisory support"],
    ),
    ("ADVOCACY", &["Campaign", "Advocacy"]),
    ("DATA_COLLECTION", &["Survey", "Baseline survey"]),
    ("PROGRAMME", &["Programme", "Project"]),
    ("OTHER", &["Initiative", "Network"]),
];

/// Activity types with their weights.
const TYPE_WEIGHTS: &[(&str, usize)] = &[
    ("MEETING", 15),
    ("CONFERENCE", 6),
    ("TRAINING", 15),
    ("RESEARCH", 10),
    ("PUBLICATION", 10),
    ("POLICY_DIALOGUE", 8),
    ("AGREEMENT", 3),
    ("TECHNICAL_ASSISTANCE", 8),
    ("ADVOCACY", 6),
    ("DATA_COLLECTION", 5),
    ("PROGRAMME", 10),
    ("OTHER", 4),
];

/// What the calendar shows.
const EVENT_TYPES: &[&str] = &["MEETING", "CONFERENCE", "TRAINING", "POLICY_DIALOGUE"];

/// Participants as reports write them: the member meant (by hand), the words written.
const PARTICIPANTS: &[(Option<&str>, &str)] = &[
    (Some("IOM"), "IOM"),
    (Some("IOM"), "International Organization for Migration"),
    (Some("IOM"), "OIM"),
    (
        Some("IOM"),
        "Organisation internationale pour les migrations",
    ),
    (Some("ILO"), "ILO"),
    (Some("ILO"), "International Labour Office"),
    (Some("UN-Women"), "UN Women"),
    (Some("UN-Women"), "UN-Women"),
    (Some("UN-Women"), "UNIFEM"),
    (Some("UNODC"), "UNODC"),
    (Some("UNODC"), "United Nations Office on Drugs and Crime"),
    (Some("UNICEF"), "UNICEF"),
    (
        Some("UNHCR"),
        "United Nations High Commissioner for Refugees",
    ),
    (Some("ESCAP"), "UNESCAP"),
    (Some("ESCAP"), "ESCAP"),
    (Some("UNDP"), "United Nations Development Program"),
    (Some("UN-Habitat"), "UN Habitat"),
    (Some("WHO"), "World Health Organization"),
    (None, "ASEAN Secretariat"),
    (None, "Mekong Migration Network"),
    (None, "Government of Thailand"),
    (None, "Colombo Process"),
];

/// How queries name members (by hand): codes, names and aliases.
const MEMBER_NAMES: &[(&str, &str)] = &[
    ("IOM", "IOM"),
    ("International Organization for Migration", "IOM"),
    ("oim", "IOM"),
    ("ILO", "ILO"),
    ("UN Women", "UN-Women"),
    ("UNIFEM", "UN-Women"),
    ("UNODC", "UNODC"),
    ("UNESCAP", "ESCAP"),
];

const ROLES: &[&str] = &["FUNDING", "IMPLEMENTING", "CO_ORGANISER", "PARTICIPANT"];

const SUMMARY_WORDS: &[&str] = &[
    "mekong",
    "asean",
    "bali",
    "colombo",
    "hotline",
    "shelter",
    "curriculum",
    "baseline",
    "fees",
    "employers",
    "prosecutors",
    "journalists",
    "pilot",
    "toolkit",
    "corridor",
    "gulf",
    "digital",
    "helpdesk",
    "ministry",
    "provinces",
];

// ---------------------------------------------------------------------------------------
// The generated reports
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Content {
    title: String,
    title_fr: Option<String>,
    summary: String,
    activity_type: &'static str,
    status: &'static str,
    planned_start: Option<Date>,
    planned_end: Option<Date>,
    actual_start: Option<Date>,
    actual_end: Option<Date>,
    countries: Vec<&'static str>,
    regions: Vec<&'static str>,
    themes: Vec<&'static str>,
    target_groups: Vec<&'static str>,
    participants: Vec<(&'static str, &'static str)>,
    location: String,
    /// What the title says it is about (by hand, from its subject).
    title_topics: Vec<&'static str>,
}

impl Content {
    fn start(&self) -> Option<Date> {
        self.actual_start.or(self.planned_start)
    }

    fn end(&self) -> Option<Date> {
        self.actual_end
            .or(self.planned_end)
            .or_else(|| self.start())
    }

    /// The report's topics: its themes' and its title's.
    fn topics(&self) -> BTreeSet<&'static str> {
        let mut topics: BTreeSet<&'static str> = self.title_topics.iter().copied().collect();
        for theme in &self.themes {
            topics.extend(theme_topics(theme));
        }
        topics
    }

    fn words(&self, titles_only: bool) -> BTreeSet<String> {
        let mut texts = vec![self.title.as_str()];
        texts.extend(self.title_fr.as_deref());
        if !titles_only {
            texts.push(&self.summary);
        }
        texts
            .iter()
            .flat_map(|t| {
                t.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() > 1)
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn to_pb(&self, organization: &str) -> pb::ReportContent {
        let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        let text = |lang: &str, text: &str| pb::LocalizedText {
            lang: lang.to_string(),
            text: text.to_string(),
        };
        let mut title = vec![text("en", &self.title)];
        title.extend(self.title_fr.iter().map(|t| text("fr", t)));
        pb::ReportContent {
            title,
            summary: vec![text("en", &self.summary)],
            activity_type: ActivityType::from_name(self.activity_type)
                .expect("known type")
                .number(),
            status: ActivityStatus::from_name(self.status)
                .expect("known status")
                .code(),
            dates: Some(pb::ActivityDates {
                planned_start: date(self.planned_start),
                actual_start: date(self.actual_start),
                planned_end: date(self.planned_end),
                actual_end: date(self.actual_end),
            }),
            countries: self.countries.iter().map(|c| c.to_string()).collect(),
            regions: self.regions.iter().map(|r| r.to_string()).collect(),
            themes: self
                .themes
                .iter()
                .map(|t| {
                    let (vocabulary, code) = t.split_once(':').expect("VOC:code");
                    pb::Theme {
                        vocabulary: vocabulary.into(),
                        code: code.into(),
                    }
                })
                .collect(),
            target_groups: self.target_groups.iter().map(|g| g.to_string()).collect(),
            participants: self
                .participants
                .iter()
                .map(|(name, role)| pb::Participant {
                    organization: name.to_string(),
                    role: concord::report::ParticipantRole::from_name(role)
                        .expect("known role")
                        .number(),
                })
                .collect(),
            related: vec![],
            links: vec![],
            contact: Some(pb::Contact {
                organization: organization.to_string(),
                unit: String::new(),
                email: "coordination@example.org".into(),
                person: String::new(),
            }),
            location: self.location.clone(),
            iati_identifier: String::new(),
            iati_extra: vec![],
        }
    }
}

#[derive(Debug, Clone)]
struct Report {
    id: Uuid,
    organization: &'static str,
    /// Every content, with the time it was authored; the first is the creation.
    revisions: Vec<(i64, Content)>,
    withdrawn_at: Option<i64>,
}

impl Report {
    fn content(&self) -> &Content {
        &self.revisions.last().expect("created").1
    }

    fn created_at(&self) -> i64 {
        self.revisions[0].0
    }

    fn updated_at(&self) -> i64 {
        self.withdrawn_at
            .unwrap_or_else(|| self.revisions.last().expect("created").0)
    }

    fn last_event(&self) -> i64 {
        self.updated_at()
    }
}

/// The whole generated group.
struct World {
    reports: Vec<Report>,
    /// When each posting member last posted (author's clock).
    last_posted: BTreeMap<&'static str, i64>,
    /// Reports put there on purpose, by name.
    planted: BTreeMap<&'static str, Uuid>,
}

fn day_of(ms: i64) -> Date {
    Date::from_unix_seconds(ms.div_euclid(1000))
}

fn ms_of(date: Date) -> i64 {
    date.days_since_epoch() * DAY_MS
}

fn weighted_type(rng: &mut Rng) -> &'static str {
    let total: usize = TYPE_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    for (name, weight) in TYPE_WEIGHTS {
        if roll < *weight {
            return name;
        }
        roll -= weight;
    }
    unreachable!()
}

fn kind_word(rng: &mut Rng, activity_type: &str) -> &'static str {
    let kinds = KINDS
        .iter()
        .find(|(t, _)| *t == activity_type)
        .expect("kind")
        .1;
    rng.pick(kinds)
}

fn place_phrase(countries: &[&str], regions: &[&str]) -> String {
    match countries {
        [] => match regions.first().copied() {
            Some("035") => " in South-East Asia".into(),
            Some("034") => " in South Asia".into(),
            Some("030") => " in East Asia".into(),
            Some("143") => " in Central Asia".into(),
            Some("009") | Some("054") => " in the Pacific".into(),
            _ => " in Asia and the Pacific".into(),
        },
        [only] => format!(" in {}", country_info(only).name),
        many => {
            let names: Vec<&str> = many.iter().map(|c| country_info(c).name).collect();
            format!(
                " in {} and {}",
                names[..names.len() - 1].join(", "),
                names[names.len() - 1]
            )
        }
    }
}

fn summary(rng: &mut Rng, organization: &str) -> String {
    let first = rng.pick(SUMMARY_WORDS);
    let mut second = rng.pick(SUMMARY_WORDS);
    while second == first {
        second = rng.pick(SUMMARY_WORDS);
    }
    format!(
        "Activity of {organization} with government and civil society partners. Focus: {first}, {second}."
    )
}

/// Dates and status of an activity of `duration` days starting `start`, as known on `known`.
fn schedule(
    rng: &mut Rng,
    content: &mut Content,
    start: Date,
    duration: i64,
    known: Date,
    cancellable: bool,
) {
    let end = start.add_days(duration);
    content.planned_start = None;
    content.planned_end = None;
    content.actual_start = None;
    content.actual_end = None;
    if cancellable && rng.chance(0.04) {
        content.planned_start = Some(start);
        content.planned_end = Some(end);
        content.status = "CANCELLED";
        return;
    }
    if start > known {
        content.planned_start = Some(start);
        if rng.chance(0.8) {
            content.planned_end = Some(end);
        }
        content.status = "PIPELINE";
        return;
    }
    content.actual_start = Some(start);
    if rng.chance(0.85) {
        let planned = start.add_days(-rng.range(0, 5));
        content.planned_start = Some(planned);
        content.planned_end = Some(planned.add_days(duration));
    }
    if end <= known {
        content.actual_end = Some(end);
        content.status = if rng.chance(0.8) {
            "CLOSED"
        } else {
            "FINALISATION"
        };
    } else {
        content.planned_end = Some(end);
        content.status = if rng.chance(0.93) {
            "IMPLEMENTATION"
        } else {
            "SUSPENDED"
        };
    }
}

fn duration_of(rng: &mut Rng, activity_type: &str) -> i64 {
    match activity_type {
        "MEETING" | "CONFERENCE" | "POLICY_DIALOGUE" => rng.range(0, 4),
        "TRAINING" => rng.range(0, 9),
        "RESEARCH" | "PUBLICATION" | "DATA_COLLECTION" => rng.range(30, 400),
        "PROGRAMME" => rng.range(180, 1500),
        "TECHNICAL_ASSISTANCE" => rng.range(30, 700),
        "AGREEMENT" => {
            if rng.chance(0.5) {
                0
            } else {
                rng.range(365, 1800)
            }
        }
        "ADVOCACY" => rng.range(1, 120),
        _ => rng.range(0, 60),
    }
}

fn new_content(
    rng: &mut Rng,
    organization: &'static str,
    subject_index: usize,
    activity_type: &'static str,
) -> Content {
    let subject = &SUBJECTS[subject_index];
    // Places.
    let mut countries: Vec<&'static str> = Vec::new();
    let mut regions: Vec<&'static str> = Vec::new();
    let roll = rng.below(100);
    if roll < 65 {
        countries.push(rng.pick(COUNTRIES).alpha2);
        if rng.chance(0.15) {
            regions.push(country_info(countries[0]).sub_region);
        }
    } else if roll < 87 {
        let wanted = rng.range(2, 4) as usize;
        while countries.len() < wanted {
            let c = rng.pick(COUNTRIES).alpha2;
            if !countries.contains(&c) {
                countries.push(c);
            }
        }
        if rng.chance(0.5) {
            regions.push(if rng.chance(0.7) { "ESCAP" } else { "142" });
        }
    } else {
        regions.push(rng.pick(&[
            "ESCAP", "ESCAP", "035", "034", "142", "030", "143", "009", "054",
        ]));
    }
    // Themes: one to three of the subject's, sometimes a generic one.
    let mut themes: Vec<&'static str> = Vec::new();
    let wanted = rng.range(1, 3.min(subject.themes.len() as i64)) as usize;
    while themes.len() < wanted {
        let t = rng.pick(subject.themes);
        if !themes.contains(&t) {
            themes.push(t);
        }
    }
    if rng.chance(0.3) {
        let t = rng.pick(GENERIC_THEMES);
        if !themes.contains(&t) {
            themes.push(t);
        }
    }
    let mut target_groups: Vec<&'static str> = Vec::new();
    for _ in 0..rng.range(0, 2) {
        let g = rng.pick(subject.groups);
        if !target_groups.contains(&g) {
            target_groups.push(g);
        }
    }
    if rng.chance(0.1) && !target_groups.contains(&"CIVIL_SOCIETY") {
        target_groups.push("CIVIL_SOCIETY");
    }
    let mut participants: Vec<(&'static str, &'static str)> = Vec::new();
    for _ in 0..rng.range(0, 3) {
        let (member, written) = rng.pick(PARTICIPANTS);
        let member_of = |w: &str| PARTICIPANTS.iter().find(|p| p.1 == w).expect("known").0;
        if member == Some(organization)
            || participants
                .iter()
                .any(|(w, _)| *w == written || (member.is_some() && member_of(w) == member))
        {
            continue;
        }
        participants.push((written, rng.pick(ROLES)));
    }
    let is_event = EVENT_TYPES.contains(&activity_type);
    let location = match countries.first() {
        Some(c) if is_event || rng.chance(0.2) => rng.pick(country_info(c).cities).to_string(),
        None if is_event && rng.chance(0.6) => "Bangkok".to_string(),
        _ => String::new(),
    };
    let title = format!(
        "{} on {}{}",
        kind_word(rng, activity_type),
        subject.phrase,
        place_phrase(&countries, &regions)
    );
    let title_fr = (subject_index == TRAFFICKING && rng.chance(0.3))
        .then(|| "Atelier régional sur la traite des personnes".to_string());
    Content {
        title,
        title_fr,
        summary: summary(rng, organization),
        activity_type,
        status: "CLOSED",
        planned_start: None,
        planned_end: None,
        actual_start: None,
        actual_end: None,
        countries,
        regions,
        themes,
        target_groups,
        participants,
        location,
        title_topics: subject.topics.to_vec(),
    }
}

/// A new uuid v7 for a report created at `ms`.
fn report_id(rng: &mut Rng, ms: i64) -> Uuid {
    let mut random = [0u8; 10];
    for byte in &mut random {
        *byte = rng.next() as u8;
    }
    uuid::Builder::from_unix_timestamp_millis(ms as u64, &random).into_uuid()
}

/// A planned event put in the calendar on purpose.
struct Planted {
    name: &'static str,
    organization: &'static str,
    subject: usize,
    activity_type: &'static str,
    place: (&'static str, &'static str),
    start: &'static str,
    days: i64,
    themes: &'static [&'static str],
    status: &'static str,
    withdrawn: bool,
}

const fn planted(
    name: &'static str,
    organization: &'static str,
    subject: usize,
    activity_type: &'static str,
    place: (&'static str, &'static str),
    start: &'static str,
    themes: &'static [&'static str],
) -> Planted {
    Planted {
        name,
        organization,
        subject,
        activity_type,
        place,
        start,
        days: 2,
        themes,
        status: "PIPELINE",
        withdrawn: false,
    }
}

/// Reports created, revised and withdrawn at these dates (around the "changed since" times
/// queried).
const REVISED_THEN_WITHDRAWN: &[(&str, &str, &str)] = &[
    ("2010-02-01", "2011-05-10", "2013-03-01"),
    ("2018-07-01", "2019-06-20", "2021-02-01"),
    ("2024-03-01", "2024-12-10", "2025-09-15"),
];

/// Where the upcoming events are.
const UPCOMING_PLACES: &[(&str, &str)] = &[
    ("TH", "Bangkok"),
    ("PH", "Manila"),
    ("KH", "Phnom Penh"),
    ("NP", "Kathmandu"),
    ("BD", "Dhaka"),
];

/// The calendar this test asks for: 2026-12-01 and the 90 days after it.
const CALENDAR_FROM: &str = "2026-12-01";
const CALENDAR_DAYS: u32 = 90;

/// Upcoming events placed on purpose (the window above ends on 2027-02-28).
const PLANTED: &[Planted] = &[
    // The clash: two trainings on trafficking in Bangkok, two weeks apart, coded in
    // different vocabularies (GCM-10, SDG 16.2).
    planted(
        "iom-bangkok",
        "IOM",
        TRAFFICKING,
        "TRAINING",
        ("TH", "Bangkok"),
        "2027-01-12",
        &["GCM:10"],
    ),
    planted(
        "unodc-bangkok",
        "UNODC",
        TRAFFICKING,
        "TRAINING",
        ("TH", "Bangkok"),
        "2027-01-26",
        &["SDG:16.2"],
    ),
    // The near miss: the same subject and city, 32 days after the second.
    planted(
        "women-bangkok",
        "UN-Women",
        TRAFFICKING,
        "TRAINING",
        ("TH", "Bangkok"),
        "2027-02-27",
        &["RTWG:trafficking"],
    ),
    // Same city and week, no shared topic: no clash.
    planted(
        "ilo-bangkok",
        "ILO",
        SKILLS,
        "MEETING",
        ("TH", "Bangkok"),
        "2027-01-13",
        &["GCM:18"],
    ),
    // Health in Manila, three weeks apart: a clash.
    planted(
        "who-manila",
        "WHO",
        MIGRANT_HEALTH,
        "CONFERENCE",
        ("PH", "Manila"),
        "2027-01-20",
        &["SDG:3.8"],
    ),
    planted(
        "escap-manila",
        "ESCAP",
        MIGRANT_HEALTH,
        "MEETING",
        ("PH", "Manila"),
        "2027-02-10",
        &["RTWG:health"],
    ),
    // A cancelled twin does not clash (nor show).
    Planted {
        status: "CANCELLED",
        ..planted(
            "unodc-phnom-penh",
            "UNODC",
            TRAFFICKING,
            "TRAINING",
            ("KH", "Phnom Penh"),
            "2027-01-15",
            &["GCM:10"],
        )
    },
    planted(
        "iom-phnom-penh",
        "IOM",
        TRAFFICKING,
        "TRAINING",
        ("KH", "Phnom Penh"),
        "2027-01-20",
        &["GCM:10"],
    ),
    // A withdrawn twin neither.
    Planted {
        withdrawn: true,
        ..planted(
            "ilo-dhaka",
            "ILO",
            RECRUITMENT_FEES,
            "TRAINING",
            ("BD", "Dhaka"),
            "2027-02-01",
            &["GCM:6"],
        )
    },
    planted(
        "escap-dhaka",
        "ESCAP",
        RECRUITMENT_FEES,
        "TRAINING",
        ("BD", "Dhaka"),
        "2027-02-05",
        &["GCM:6"],
    ),
    // No city given, one country: the country is the place.
    planted(
        "unicef-kh",
        "UNICEF",
        CHILDREN,
        "MEETING",
        ("KH", ""),
        "2026-12-10",
        &["RTWG:family-and-children"],
    ),
    planted(
        "women-kh",
        "UN-Women",
        CHILDREN,
        "MEETING",
        ("KH", ""),
        "2026-12-20",
        &["SDG:16.2"],
    ),
    // Outside the window: after it, and started before it.
    planted(
        "iom-bangkok-march",
        "IOM",
        TRAFFICKING,
        "TRAINING",
        ("TH", "Bangkok"),
        "2027-03-05",
        &["GCM:10"],
    ),
    Planted {
        days: 5,
        ..planted(
            "unodc-bangkok-november",
            "UNODC",
            TRAFFICKING,
            "TRAINING",
            ("TH", "Bangkok"),
            "2026-11-28",
            &["GCM:10"],
        )
    },
];

fn generate(now_ms: i64) -> World {
    let mut rng = Rng(0x00C0_FFEE_2007_0310);
    let first_ms = ms_of(Date::from_ymd(2005, 1, 1).expect("date"));
    let mut reports: Vec<Report> = Vec::new();
    let mut planted_ids = BTreeMap::new();
    for &(organization, count, days_ago, preferred) in PROFILES {
        let bound = now_ms - days_ago * DAY_MS - 3_600_000;
        let mut own: Vec<Report> = Vec::new();
        for _ in 0..count {
            let created = rng.range(first_ms, bound - DAY_MS);
            let subject_index = if rng.chance(0.8) {
                rng.pick(preferred)
            } else {
                rng.below(SUBJECTS.len())
            };
            let activity_type = weighted_type(&mut rng);
            let mut content = new_content(&mut rng, organization, subject_index, activity_type);
            let known = day_of(created);
            let start = known
                .add_days(rng.range(-200, 120))
                .max(Date::from_ymd(2005, 1, 1).expect("date"));
            let duration = duration_of(&mut rng, activity_type);
            schedule(&mut rng, &mut content, start, duration, known, true);
            let mut report = Report {
                id: report_id(&mut rng, created),
                organization,
                revisions: vec![(created, content)],
                withdrawn_at: None,
            };
            // Revisions: a status update, a country or a participant added, a theme changed.
            let revisions = match rng.below(100) {
                0..=4 => 2,
                5..=19 => 1,
                _ => 0,
            };
            for _ in 0..revisions {
                let previous = report.last_event();
                let at = previous + rng.range(5 * DAY_MS, 700 * DAY_MS);
                if at >= bound {
                    break;
                }
                let mut content = report.content().clone();
                if let Some(start) = content.start()
                    && content.status != "CANCELLED"
                {
                    let duration =
                        content.end().expect("end").days_since_epoch() - start.days_since_epoch();
                    schedule(&mut rng, &mut content, start, duration, day_of(at), false);
                }
                if rng.chance(0.4) {
                    let c = rng.pick(COUNTRIES).alpha2;
                    if !content.countries.contains(&c) {
                        content.countries.push(c);
                    }
                }
                if rng.chance(0.3) {
                    let t = rng.pick(SUBJECTS[subject_index].themes);
                    if !content.themes.contains(&t) {
                        content.themes[0] = t;
                    }
                }
                if rng.chance(0.2) {
                    let (member, written) = rng.pick(PARTICIPANTS);
                    if member != Some(organization)
                        && !content.participants.iter().any(|(w, _)| *w == written)
                    {
                        content.participants.push((written, "PARTICIPANT"));
                    }
                }
                if rng.chance(0.1) {
                    content.title.push_str(" (updated)");
                }
                report.revisions.push((at, content));
            }
            if rng.chance(0.06) {
                // Some long after their last revision: "revised since" must not take the
                // withdrawal for a revision.
                let longest = if rng.chance(0.5) { 400 } else { 4000 };
                let at = report.last_event() + rng.range(DAY_MS, longest * DAY_MS);
                if at < bound {
                    report.withdrawn_at = Some(at);
                }
            }
            own.push(report);
        }
        for event in PLANTED.iter().filter(|p| p.organization == organization) {
            let created = bound - rng.range(2, 40) * DAY_MS;
            let mut content =
                new_content(&mut rng, organization, event.subject, event.activity_type);
            let start = Date::parse(event.start).expect("planted date");
            content.countries = vec![event.place.0];
            content.regions.clear();
            content.themes = event.themes.to_vec();
            content.location = event.place.1.to_string();
            content.title = format!(
                "{} on {}{}",
                kind_word(&mut rng, event.activity_type),
                SUBJECTS[event.subject].phrase,
                place_phrase(&content.countries, &[])
            );
            content.title_fr = None;
            content.planned_start = Some(start);
            content.planned_end = Some(start.add_days(event.days));
            content.actual_start = None;
            content.actual_end = None;
            content.status = event.status;
            let id = report_id(&mut rng, created);
            planted_ids.insert(event.name, id);
            own.push(Report {
                id,
                organization,
                revisions: vec![(created, content)],
                withdrawn_at: event.withdrawn.then_some(created + DAY_MS),
            });
        }
        // Upcoming events of the members that post often, in a few cities (some without a
        // city), around the calendar's window: chance clashes for the oracle to find.
        if days_ago <= 30 {
            let window = Date::parse(CALENDAR_FROM).expect("date");
            for _ in 0..8 {
                let (country, city) = rng.pick(UPCOMING_PLACES);
                let activity_type = rng.pick(EVENT_TYPES);
                let subject_index = rng.pick(preferred);
                let mut content = new_content(&mut rng, organization, subject_index, activity_type);
                let start = window.add_days(rng.range(-10, 100));
                content.countries = vec![country];
                content.regions.clear();
                content.location = if rng.chance(0.2) {
                    String::new()
                } else {
                    city.to_string()
                };
                content.title = format!(
                    "{} on {}{}",
                    kind_word(&mut rng, activity_type),
                    SUBJECTS[subject_index].phrase,
                    place_phrase(&content.countries, &[])
                );
                content.planned_start = Some(start);
                content.planned_end = Some(start.add_days(rng.range(0, 4)));
                content.actual_start = None;
                content.actual_end = None;
                content.status = if rng.chance(0.1) {
                    "CANCELLED"
                } else {
                    "PIPELINE"
                };
                let created = bound - rng.range(2, 100) * DAY_MS;
                own.push(Report {
                    id: report_id(&mut rng, created),
                    organization,
                    revisions: vec![(created, content)],
                    withdrawn_at: None,
                });
            }
        }
        // Histories at fixed dates: revised before a "changed since" time, withdrawn after
        // it (a withdrawal is no revision).
        if organization == "IOM" {
            for (created, revised, withdrawn) in REVISED_THEN_WITHDRAWN {
                let created = time_of(created);
                let content = new_content(&mut rng, organization, TRAFFICKING, "RESEARCH");
                let mut report = Report {
                    id: report_id(&mut rng, created),
                    organization,
                    revisions: vec![(created, content)],
                    withdrawn_at: Some(time_of(withdrawn)),
                };
                let start = day_of(created).add_days(10);
                schedule(
                    &mut rng,
                    &mut report.revisions[0].1,
                    start,
                    90,
                    day_of(created),
                    false,
                );
                let mut content = report.content().clone();
                schedule(
                    &mut rng,
                    &mut content,
                    start,
                    90,
                    Date::parse(revised).expect("date"),
                    false,
                );
                report.revisions.push((time_of(revised), content));
                own.push(report);
            }
        }
        // The member's newest entry is dated exactly at its last posting.
        let newest = own
            .iter_mut()
            .max_by_key(|r| r.last_event())
            .expect("reports");
        match &mut newest.withdrawn_at {
            Some(at) => *at = bound,
            None => newest.revisions.last_mut().expect("created").0 = bound,
        }
        reports.extend(own);
    }
    let last_posted = PROFILES
        .iter()
        .map(|&(organization, _, days_ago, _)| {
            (organization, now_ms - days_ago * DAY_MS - 3_600_000)
        })
        .collect();
    World {
        reports,
        last_posted,
        planted: planted_ids,
    }
}

/// Every member's signing key (deterministic).
fn signing_key(organization: &str) -> ed25519_dalek::SigningKey {
    let index = MEMBERS
        .iter()
        .position(|m| *m == organization)
        .expect("member");
    ed25519_dalek::SigningKey::from_bytes(&[index as u8 + 1; 32])
}

/// Each member's log: its reports' changes in the order (and at the times) it made them,
/// signed, hash-linked.
fn logs(world: &World) -> BTreeMap<&'static str, Vec<Vec<u8>>> {
    let mut events: BTreeMap<&'static str, Vec<(i64, usize, usize)>> = BTreeMap::new();
    for (index, report) in world.reports.iter().enumerate() {
        let log = events.entry(report.organization).or_default();
        for (revision, (at, _)) in report.revisions.iter().enumerate() {
            log.push((*at, index, revision));
        }
        if let Some(at) = report.withdrawn_at {
            log.push((at, index, usize::MAX));
        }
    }
    let mut logs = BTreeMap::new();
    for (organization, mut log) in events {
        log.sort();
        let key = signing_key(organization);
        let mut previous_hash = EntryHash::GENESIS;
        let mut entries = Vec::with_capacity(log.len());
        for (sequence, (at, index, revision)) in log.into_iter().enumerate() {
            let report = &world.reports[index];
            let body = EntryBody {
                organization: organization.to_string(),
                sequence: sequence as u64 + 1,
                previous_hash,
                authored_at_unix_ms: at,
                report_id: report.id,
                revision: if revision == usize::MAX {
                    report.revisions.len() as u64 + 1
                } else {
                    revision as u64 + 1
                },
                epoch: 1,
                change: Change::Withdrawal {
                    reason: "posted twice by mistake".into(),
                },
            };
            let entry = if revision == usize::MAX {
                SignedEntry::sign(codec::encode_entry_body(&body), &key)
            } else {
                let content = concord::report::validate::validate_draft(
                    &codec::draft_from_pb(report.revisions[revision].1.to_pb(organization)),
                    Date::MAX,
                )
                .unwrap_or_else(|violations| panic!("generated report is invalid: {violations:?}"));
                codec::sign_content_entry(body, &content, &key)
            };
            previous_hash = entry.hash();
            entries.push(codec::encode_signed_entry(&entry));
        }
        logs.insert(organization, entries);
    }
    logs
}

/// The hand-written tables agree with the crosswalk and the vocabulary (so that the oracle
/// stays independent without silently drifting from them).
fn check_tables(world: &World) {
    use concord::report::vocabulary;
    use concord::view::crosswalk::{Concept, text_concepts, theme_concepts};
    let full = |found: Vec<(Concept, f64)>| -> BTreeSet<&'static str> {
        found
            .into_iter()
            .filter(|(_, strength)| *strength >= 1.0)
            .map(|(c, _)| c.code())
            .collect()
    };
    for (theme, topics) in THEME_TOPICS {
        let (vocabulary, code) = theme.split_once(':').expect("VOC:code");
        let canonical = vocabulary::normalize_theme(vocabulary, code)
            .unwrap_or_else(|e| panic!("{theme} is not a valid theme: {e}"));
        assert_eq!(
            format!("{}:{}", canonical.vocabulary, canonical.code),
            *theme,
            "themes in the table are canonical"
        );
        let mapped = full(
            theme_concepts(&canonical)
                .into_iter()
                .map(|m| (m.concept, m.strength))
                .collect(),
        );
        assert_eq!(
            mapped,
            topics.iter().copied().collect(),
            "the crosswalk maps {theme} elsewhere than this test's table"
        );
    }
    let mut titles = BTreeMap::new();
    for report in &world.reports {
        for (_, content) in &report.revisions {
            titles.insert(content.title.clone(), content.title_topics.clone());
            if let Some(fr) = &content.title_fr {
                titles.insert(fr.clone(), vec!["trafficking"]);
            }
        }
    }
    for (title, topics) in &titles {
        let shown = full(
            text_concepts(title)
                .into_iter()
                .map(|c| (c.concept, c.strength))
                .collect(),
        );
        let expected: BTreeSet<&str> = topics.iter().copied().collect();
        assert_eq!(
            shown, expected,
            "the crosswalk reads {title:?} otherwise than this test's table"
        );
    }
    for region in REGIONS {
        for country in COUNTRIES {
            assert_eq!(
                vocabulary::region_contains_country(region, country.alpha2),
                region_contains_country(region, country.alpha2),
                "does {region} contain {}?",
                country.alpha2
            );
        }
        for inner in REGIONS {
            assert_eq!(
                vocabulary::region_contains_region(region, inner),
                region_contains_region(region, inner),
                "does {region} contain {inner}?"
            );
        }
    }
    for country in COUNTRIES {
        assert_eq!(
            vocabulary::country_alpha2(country.alpha3),
            Some(country.alpha2),
            "{}",
            country.alpha3
        );
    }
}

// ---------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------

fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn canonical_country(code: &str) -> &'static str {
    COUNTRIES
        .iter()
        .find(|c| c.alpha2.eq_ignore_ascii_case(code) || c.alpha3.eq_ignore_ascii_case(code))
        .map(|c| c.alpha2)
        .unwrap_or_else(|| panic!("country {code} is not in the table"))
}

/// The member a participant query names, if any: the names reports write (by hand) and a
/// few more.
fn member_named(name: &str) -> Option<&'static str> {
    PARTICIPANTS
        .iter()
        .filter_map(|(member, written)| member.map(|m| (*written, m)))
        .chain(MEMBER_NAMES.iter().copied())
        .find(|(n, _)| compact(n) == compact(name))
        .map(|(_, code)| code)
}

fn participant_matches(written: &str, wanted: &str) -> bool {
    match member_named(wanted) {
        Some(member) => {
            PARTICIPANTS
                .iter()
                .find(|(_, w)| *w == written)
                .expect("known participant")
                .0
                == Some(member)
        }
        None => compact(written) == compact(wanted),
    }
}

fn time_of(text: &str) -> i64 {
    ms_of(Date::parse(text).expect("date"))
}

/// Whether the oracle shows `report` for `filters` (every filter but the free text, which
/// ranks).
fn oracle_matches(report: &Report, f: &ViewFilters) -> bool {
    let c = report.content();
    let kinds: BTreeSet<&str> = f.change_kinds.iter().map(String::as_str).collect();
    let since = f.changed_since.as_deref().map(time_of);
    let shows_withdrawn = f.include_withdrawn || (since.is_some() && kinds.contains("WITHDRAWN"));
    if report.withdrawn_at.is_some() && !shows_withdrawn {
        return false;
    }
    let any = |wanted: &[String], has: &dyn Fn(&str) -> bool| {
        wanted.is_empty() || wanted.iter().any(|w| has(w))
    };
    let topics = c.topics();
    let in_interval = {
        let (start, end) = (c.start().expect("start"), c.end().expect("end"));
        f.active_from
            .as_deref()
            .is_none_or(|from| end >= Date::parse(from).expect("date"))
            && f.active_to
                .as_deref()
                .is_none_or(|to| start <= Date::parse(to).expect("date"))
    };
    let changed = match since {
        None => true,
        Some(since) => {
            report.updated_at() >= since
                && (kinds.is_empty()
                    || (kinds.contains("CREATED") && report.created_at() >= since)
                    || (kinds.contains("REVISED")
                        && report.revisions[1..].iter().any(|(at, _)| *at >= since))
                    || (kinds.contains("WITHDRAWN")
                        && report.withdrawn_at.is_some_and(|at| at >= since)))
        }
    };
    let text = text_words(f).is_empty() || matched_words(report, f) > 0;
    any(&f.organizations, &|o| o == report.organization)
        && any(&f.activity_types, &|t| t == c.activity_type)
        && any(&f.statuses, &|s| s == c.status)
        && any(&f.countries, &|w| {
            c.countries.contains(&canonical_country(w))
        })
        && any(&f.regions, &|r| {
            c.regions.iter().any(|own| region_contains_region(r, own))
                || c.countries
                    .iter()
                    .any(|own| region_contains_country(r, own))
        })
        && any(&f.themes, &|t| c.themes.contains(&t))
        && any(&f.topics, &|t| topics.contains(t))
        && any(&f.target_groups, &|g| c.target_groups.contains(&g))
        && any(&f.participants, &|p| {
            c.participants
                .iter()
                .any(|(written, _)| participant_matches(written, p))
        })
        && in_interval
        && changed
        && text
}

fn text_words(f: &ViewFilters) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in f
        .text
        .as_deref()
        .unwrap_or_default()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1)
        .map(str::to_lowercase)
    {
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

fn matched_words(report: &Report, f: &ViewFilters) -> usize {
    let words = report.content().words(false);
    text_words(f).iter().filter(|w| words.contains(*w)).count()
}

/// The expected answer to `filters`: every match, in the order the view ranks them (most
/// words matched, then rarer words and words in titles, then newest; without text, newest
/// first).
fn oracle_query<'a>(world: &'a World, f: &ViewFilters) -> Vec<&'a Report> {
    let mut found: Vec<&Report> = world
        .reports
        .iter()
        .filter(|r| oracle_matches(r, f))
        .collect();
    let words = text_words(f);
    if words.is_empty() {
        found.sort_by_key(|r| std::cmp::Reverse(r.id));
        return found;
    }
    // Rarity over every report held (withdrawn ones too), as documented.
    let total = world.reports.len() as f64;
    let weights: Vec<f64> = words
        .iter()
        .map(|w| {
            let holding = world
                .reports
                .iter()
                .filter(|r| r.content().words(false).contains(w))
                .count();
            (1.0 + total / holding.max(1) as f64).ln()
        })
        .collect();
    let score = |r: &Report| {
        let (all, titles) = (r.content().words(false), r.content().words(true));
        let mut matched = 0;
        let mut score = 0.0;
        for (word, weight) in words.iter().zip(&weights) {
            if all.contains(word) {
                matched += 1;
                score += weight;
            }
            if titles.contains(word) {
                score += weight;
            }
        }
        (matched, score)
    };
    found.sort_by(|a, b| {
        let ((ma, sa), (mb, sb)) = (score(a), score(b));
        mb.cmp(&ma)
            .then(sb.partial_cmp(&sa).expect("scores are numbers"))
            .then(b.id.cmp(&a.id))
    });
    found
}

fn years_of(c: &Content) -> Vec<String> {
    let (start, end) = (c.start().expect("start"), c.end().expect("end"));
    (start.year()..=end.year().max(start.year()))
        .take(100)
        .map(|y| y.to_string())
        .collect()
}

/// The values of `dimension` a report has.
fn values_of(report: &Report, dimension: Dimension) -> Vec<String> {
    let c = report.content();
    let mut values: Vec<String> = match dimension {
        Dimension::Organization => vec![report.organization.to_string()],
        Dimension::ActivityType => vec![c.activity_type.to_string()],
        Dimension::Status => vec![c.status.to_string()],
        Dimension::Country => c.countries.iter().map(|s| s.to_string()).collect(),
        Dimension::Theme => c.themes.iter().map(|s| s.to_string()).collect(),
        Dimension::Topic => c.topics().iter().map(|s| s.to_string()).collect(),
        Dimension::TargetGroup => c.target_groups.iter().map(|s| s.to_string()).collect(),
        Dimension::Year => years_of(c),
    };
    values.sort();
    values.dedup();
    values
}

fn oracle_facet(found: &[&Report], dimension: Dimension) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for report in found {
        for value in values_of(report, dimension) {
            *counts.entry(value).or_default() += 1;
        }
    }
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

/// Every value of a dimension in the group (what gaps are absences of), if it has one.
fn universe(dimension: Dimension, vocabulary: Option<&str>) -> Option<BTreeSet<String>> {
    use concord::report::vocabulary as v;
    Some(match dimension {
        Dimension::Organization => MEMBERS.iter().map(|m| m.to_string()).collect(),
        Dimension::Country => v::ESCAP_MEMBERS
            .iter()
            .chain(v::ESCAP_ASSOCIATE_MEMBERS)
            .map(|c| c.to_string())
            .collect(),
        Dimension::Topic => concord::view::crosswalk::Concept::ALL
            .iter()
            .map(|c| c.code().to_string())
            .collect(),
        Dimension::Theme if vocabulary == Some("GCM") => {
            (1..=23).map(|n| format!("GCM:{n}")).collect()
        }
        Dimension::Year => return None,
        other => panic!("this test has no universe for {other:?}"),
    })
}

fn oracle_matrix(
    world: &World,
    rows: Dimension,
    columns: Dimension,
    filters: &ViewFilters,
    vocabulary: Option<&str>,
) -> Matrix {
    let keep = |dimension: Dimension, value: &str| match dimension {
        Dimension::Theme => vocabulary.is_none_or(|v| value.starts_with(&format!("{v}:"))),
        Dimension::Year => {
            let year: i32 = value.parse().expect("year");
            filters
                .active_from
                .as_deref()
                .is_none_or(|f| year >= Date::parse(f).expect("date").year())
                && filters
                    .active_to
                    .as_deref()
                    .is_none_or(|t| year <= Date::parse(t).expect("date").year())
        }
        _ => true,
    };
    let mut cells: BTreeMap<(String, String), (u64, BTreeSet<String>)> = BTreeMap::new();
    for report in oracle_query(world, filters) {
        for row in values_of(report, rows).iter().filter(|v| keep(rows, v)) {
            for column in values_of(report, columns)
                .iter()
                .filter(|v| keep(columns, v))
            {
                let cell = cells.entry((row.clone(), column.clone())).or_default();
                cell.0 += 1;
                cell.1.insert(report.organization.to_string());
            }
        }
    }
    let (row_universe, column_universe) =
        (universe(rows, vocabulary), universe(columns, vocabulary));
    let mut row_values = row_universe.clone().unwrap_or_default();
    row_values.extend(cells.keys().map(|(r, _)| r.clone()));
    let mut column_values = column_universe.clone().unwrap_or_default();
    column_values.extend(cells.keys().map(|(_, c)| c.clone()));
    let mut gaps = Vec::new();
    if let (Some(row_universe), Some(column_universe)) = (&row_universe, &column_universe) {
        for row in row_universe {
            for column in column_universe {
                if !cells.contains_key(&(row.clone(), column.clone())) {
                    gaps.push(MatrixCell {
                        row: row.clone(),
                        column: column.clone(),
                        count: 0,
                        organizations: vec![],
                    });
                }
            }
        }
    }
    Matrix {
        rows: row_values.into_iter().collect(),
        columns: column_values.into_iter().collect(),
        cells: cells
            .into_iter()
            .map(|((row, column), (count, organizations))| MatrixCell {
                row,
                column,
                count,
                organizations: organizations.into_iter().collect(),
            })
            .collect(),
        gaps,
    }
}

fn iso_week(date: Date) -> String {
    let days = date.days_since_epoch();
    let monday_based = (days + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let thursday = days - monday_based + 3;
    let year = Date::from_days_since_epoch(thursday).year();
    let first = Date::from_ymd(year, 1, 1).expect("date").days_since_epoch();
    format!("{year}-W{:02}", (thursday - first) / 7 + 1)
}

/// An expected calendar event: id, start, end, location, week, clashes, shared.
#[derive(Debug, PartialEq)]
struct ExpectedEvent {
    id: String,
    start: String,
    end: String,
    location: String,
    week: String,
    clashes_with: BTreeSet<String>,
    shared: BTreeSet<String>,
}

fn oracle_calendar(
    world: &World,
    from: Date,
    days: i64,
    filters: &ViewFilters,
) -> Vec<ExpectedEvent> {
    let to = from.add_days(days - 1);
    let mut events: Vec<&Report> = world
        .reports
        .iter()
        .filter(|r| {
            let c = r.content();
            r.withdrawn_at.is_none()
                && c.status != "CANCELLED"
                && (if filters.activity_types.is_empty() {
                    EVENT_TYPES.contains(&c.activity_type)
                } else {
                    filters.activity_types.iter().any(|t| t == c.activity_type)
                })
                && c.start().is_some_and(|s| s >= from && s <= to)
                && oracle_matches(
                    r,
                    &ViewFilters {
                        include_withdrawn: false,
                        ..filters.clone()
                    },
                )
        })
        .collect();
    events.sort_by(|a, b| {
        let (ca, cb) = (a.content(), b.content());
        ca.location
            .to_lowercase()
            .cmp(&cb.location.to_lowercase())
            .then(ca.start().cmp(&cb.start()))
            .then(a.id.cmp(&b.id))
    });
    let place = |r: &Report| {
        let c = r.content();
        if !c.location.is_empty() {
            compact(&c.location)
        } else if let [only] = c.countries.as_slice() {
            format!("country:{only}")
        } else {
            String::new()
        }
    };
    let subjects = |r: &Report| -> BTreeSet<String> {
        let c = r.content();
        c.topics()
            .iter()
            .map(|t| t.to_string())
            .chain(c.themes.iter().map(|t| t.to_string()))
            .collect()
    };
    events
        .iter()
        .map(|event| {
            let c = event.content();
            let mut clashes_with = BTreeSet::new();
            let mut shared = BTreeSet::new();
            for other in &events {
                if other.id == event.id {
                    continue;
                }
                let near = (c.start().expect("start").days_since_epoch()
                    - other.content().start().expect("start").days_since_epoch())
                .abs()
                    <= 30;
                let common: BTreeSet<String> = subjects(event)
                    .intersection(&subjects(other))
                    .cloned()
                    .collect();
                if !place(event).is_empty()
                    && place(event) == place(other)
                    && near
                    && !common.is_empty()
                {
                    clashes_with.insert(other.id.to_string());
                    shared.extend(common);
                }
            }
            ExpectedEvent {
                id: event.id.to_string(),
                start: c.start().expect("start").to_string(),
                end: c.end().expect("end").to_string(),
                location: c.location.clone(),
                week: iso_week(c.start().expect("start")),
                clashes_with,
                shared,
            }
        })
        .collect()
}

fn oracle_freshness(
    world: &World,
    now_ms: i64,
    fresh_days: i64,
    overdue_days: i64,
) -> BTreeMap<String, (FreshnessState, u64)> {
    MEMBERS
        .iter()
        .map(|member| {
            let reports = world
                .reports
                .iter()
                .filter(|r| r.organization == *member)
                .count() as u64;
            let state = match world.last_posted.get(member) {
                None => FreshnessState::Silent,
                Some(at) if now_ms - at <= fresh_days * DAY_MS => FreshnessState::Fresh,
                Some(at) if now_ms - at <= overdue_days * DAY_MS => FreshnessState::Due,
                Some(_) => FreshnessState::Overdue,
            };
            (member.to_string(), (state, reports))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The node
// ---------------------------------------------------------------------------------------

/// A standalone plaintext node of the silent member holding every other member's log.
struct GroupNode {
    node: Option<concord::node::RunningNode>,
    client: Client,
    _dir: tempfile::TempDir,
}

impl GroupNode {
    async fn start(world: &World) -> GroupNode {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = NodeConfig {
            organization: SILENT.to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.path().join("node"),
            ..NodeConfig::default()
        };
        config.store.cache_mib = 32;
        config.shutdown.grace_secs = 5;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("bind 127.0.0.1:0");
        let node = concord::node::start(config, listener)
            .await
            .expect("node starts");
        let keys: HashMap<String, ed25519_dalek::VerifyingKey> = MEMBERS
            .iter()
            .map(|m| (m.to_string(), signing_key(m).verifying_key()))
            .collect();
        let keys_of = |organization: &str| keys.get(organization).map(|key| vec![*key]);
        for (organization, entries) in logs(world) {
            for chunk in entries.chunks(400) {
                for (i, outcome) in node
                    .ledger()
                    .ingest_batch(chunk.to_vec(), keys_of)
                    .await
                    .into_iter()
                    .enumerate()
                {
                    assert!(
                        matches!(outcome, Ok(concord::ledger::IngestOutcome::Applied)),
                        "entry {i} of a chunk of {organization}'s log: {outcome:?}"
                    );
                }
            }
        }
        let client = Client::connect(&node.endpoint(), Duration::from_secs(60))
            .await
            .expect("connect");
        GroupNode {
            node: Some(node),
            client,
            _dir: dir,
        }
    }

    fn endpoint(&self) -> String {
        self.node.as_ref().expect("running").endpoint()
    }

    async fn shutdown(mut self) {
        self.node
            .take()
            .expect("running")
            .shutdown()
            .await
            .expect("node stops cleanly");
    }
}

/// Every page of a query (each `page_size` long), and the first page (total, facets).
async fn query_all(
    client: &Client,
    filters: &ViewFilters,
    facets: &[Dimension],
    page_size: u32,
) -> (Vec<String>, RemoteViewPage) {
    let mut request = ViewQueryRequest {
        filters: filters.clone(),
        facets: facets.to_vec(),
        page_size,
        page_token: None,
    };
    let first = client
        .query(&request)
        .await
        .unwrap_or_else(|e| panic!("query {filters:?}: {e}"));
    let mut ids: Vec<String> = first.reports.iter().map(|r| r.id.clone()).collect();
    let mut token = first.next_page_token.clone();
    let mut pages = 1;
    while !token.is_empty() {
        assert!(pages < 10_000, "paging never ends");
        request.page_token = Some(token);
        let page = client
            .query(&request)
            .await
            .unwrap_or_else(|e| panic!("query {filters:?}, page {pages}: {e}"));
        assert!(
            page.reports.len() <= page_size as usize,
            "a page holds at most its size"
        );
        assert_eq!(
            page.total, first.total,
            "the total does not change from page to page"
        );
        ids.extend(page.reports.iter().map(|r| r.id.clone()));
        token = page.next_page_token;
        pages += 1;
    }
    (ids, first)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// Checks one query against the oracle: every match, in order, the total and the facets.
async fn check_query(
    client: &Client,
    world: &World,
    what: &str,
    filters: ViewFilters,
    facets: &[Dimension],
) -> Vec<String> {
    let expected: Vec<String> = oracle_query(world, &filters)
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    let (ids, first) = query_all(client, &filters, facets, 1000).await;
    if ids != expected {
        let got: BTreeSet<&String> = ids.iter().collect();
        let wanted: BTreeSet<&String> = expected.iter().collect();
        let describe = |id: &String| {
            let report = world
                .reports
                .iter()
                .find(|r| r.id.to_string() == *id)
                .expect("generated");
            format!(
                "{} {} rev {} withdrawn {:?}: {:?}",
                id,
                report.organization,
                report.revisions.len(),
                report.withdrawn_at,
                report.content()
            )
        };
        let extra: Vec<String> = got
            .difference(&wanted)
            .take(3)
            .map(|id| describe(id))
            .collect();
        let missing: Vec<String> = wanted
            .difference(&got)
            .take(3)
            .map(|id| describe(id))
            .collect();
        panic!(
            "{what}: {} reports instead of {} ({} unexpected, {} missing; same set but another order: {})\nunexpected: {extra:#?}\nmissing: {missing:#?}",
            ids.len(),
            expected.len(),
            got.difference(&wanted).count(),
            wanted.difference(&got).count(),
            got == wanted,
        );
    }
    assert_eq!(first.total, expected.len() as u64, "{what}: total");
    let found = oracle_query(world, &filters);
    let asked: Vec<Dimension> = if facets.is_empty() {
        vec![
            Dimension::Organization,
            Dimension::ActivityType,
            Dimension::Country,
            Dimension::Topic,
        ]
    } else {
        facets.to_vec()
    };
    assert_eq!(
        first.facets.len(),
        asked.len(),
        "{what}: one facet per dimension"
    );
    for (facet, dimension) in first.facets.iter().zip(&asked) {
        assert_eq!(
            facet.dimension, *dimension,
            "{what}: facets in the order asked"
        );
        let values: Vec<(String, u64)> = facet
            .values
            .iter()
            .map(|v| (v.value.clone(), v.count))
            .collect();
        assert_eq!(
            values,
            oracle_facet(&found, *dimension),
            "{what}: facet {dimension:?}"
        );
    }
    ids
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consolidated_view_of_a_generated_working_group_is_exact() {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let world = generate(now_ms);
    check_tables(&world);
    let withdrawn = world
        .reports
        .iter()
        .filter(|r| r.withdrawn_at.is_some())
        .count();
    let revised = world
        .reports
        .iter()
        .filter(|r| r.revisions.len() > 1)
        .count();
    assert!(world.reports.len() > 2_000, "a few thousand reports");
    assert!(
        withdrawn > 50 && revised > 300,
        "{withdrawn} withdrawn, {revised} revised"
    );
    let node = GroupNode::start(&world).await;
    let client = &node.client;

    check_filters(client, &world).await;
    check_matrices(client, &world).await;
    check_calendar(client, &world).await;
    check_freshness(client, &world).await;
    check_cli(&node.endpoint(), &world).await;
    node.shutdown().await;
}

async fn check_filters(client: &Client, world: &World) {
    let none = ViewFilters::default();
    let all_dimensions = [
        Dimension::Organization,
        Dimension::ActivityType,
        Dimension::Status,
        Dimension::Country,
        Dimension::Theme,
        Dimension::Topic,
        Dimension::TargetGroup,
        Dimension::Year,
    ];
    let visible = check_query(client, world, "no filter", none.clone(), &all_dimensions).await;
    assert_eq!(
        visible.len(),
        world
            .reports
            .iter()
            .filter(|r| r.withdrawn_at.is_none())
            .count()
    );
    check_query(
        client,
        world,
        "withdrawn included",
        ViewFilters {
            include_withdrawn: true,
            ..none.clone()
        },
        &all_dimensions,
    )
    .await;

    // Each filter alone, then combined. `at_least` guards the test itself: the generated
    // data must hold matches for the query to say anything.
    let f = |edit: &dyn Fn(&mut ViewFilters)| {
        let mut filters = ViewFilters::default();
        edit(&mut filters);
        filters
    };
    let cases: Vec<(&str, ViewFilters, usize)> = vec![
        (
            "organization IOM",
            f(&|f| f.organizations = strings(&["IOM"])),
            100,
        ),
        (
            "organizations IOM or UNODC",
            f(&|f| f.organizations = strings(&["IOM", "UNODC"])),
            200,
        ),
        (
            "the silent member",
            f(&|f| f.organizations = strings(&[SILENT])),
            0,
        ),
        (
            "type TRAINING",
            f(&|f| f.activity_types = strings(&["TRAINING"])),
            100,
        ),
        (
            "types MEETING or CONFERENCE",
            f(&|f| f.activity_types = strings(&["MEETING", "CONFERENCE"])),
            100,
        ),
        (
            "status CLOSED",
            f(&|f| f.statuses = strings(&["CLOSED"])),
            100,
        ),
        (
            "status PIPELINE or IMPLEMENTATION",
            f(&|f| f.statuses = strings(&["PIPELINE", "IMPLEMENTATION"])),
            50,
        ),
        (
            "status CANCELLED",
            f(&|f| f.statuses = strings(&["CANCELLED"])),
            10,
        ),
        ("country KH", f(&|f| f.countries = strings(&["KH"])), 30),
        (
            "country KHM (alpha-3)",
            f(&|f| f.countries = strings(&["KHM"])),
            30,
        ),
        (
            "countries KH, TH, LA",
            f(&|f| f.countries = strings(&["KH", "TH", "LA"])),
            100,
        ),
        ("region ESCAP", f(&|f| f.regions = strings(&["ESCAP"])), 500),
        (
            "region 035 South-eastern Asia",
            f(&|f| f.regions = strings(&["035"])),
            300,
        ),
        (
            "region 142 Asia",
            f(&|f| f.regions = strings(&["142"])),
            500,
        ),
        (
            "region 145 Western Asia",
            f(&|f| f.regions = strings(&["145"])),
            50,
        ),
        (
            "regions 034 or 009",
            f(&|f| f.regions = strings(&["034", "009"])),
            100,
        ),
        ("theme GCM:10", f(&|f| f.themes = strings(&["GCM:10"])), 50),
        (
            "themes SDG:16.2 or GCM:10",
            f(&|f| f.themes = strings(&["SDG:16.2", "GCM:10"])),
            80,
        ),
        (
            "theme DAC:15180",
            f(&|f| f.themes = strings(&["DAC:15180"])),
            20,
        ),
        (
            "theme RTWG:trafficking",
            f(&|f| f.themes = strings(&["RTWG:trafficking"])),
            20,
        ),
        (
            "topic trafficking",
            f(&|f| f.topics = strings(&["trafficking"])),
            150,
        ),
        (
            "topics remittances or diaspora",
            f(&|f| f.topics = strings(&["remittances", "diaspora"])),
            50,
        ),
        (
            "topic children-and-family",
            f(&|f| f.topics = strings(&["children-and-family"])),
            50,
        ),
        (
            "target group WOMEN_AND_GIRLS",
            f(&|f| f.target_groups = strings(&["WOMEN_AND_GIRLS"])),
            50,
        ),
        (
            "target groups RETURNEES or DIASPORA",
            f(&|f| f.target_groups = strings(&["RETURNEES", "DIASPORA"])),
            20,
        ),
        (
            "participant IOM by code",
            f(&|f| f.participants = strings(&["IOM"])),
            50,
        ),
        (
            "participant IOM by name",
            f(&|f| f.participants = strings(&["International Organization for Migration"])),
            50,
        ),
        (
            "participant IOM by French acronym",
            f(&|f| f.participants = strings(&["oim"])),
            50,
        ),
        (
            "participant UN-Women by former name",
            f(&|f| f.participants = strings(&["UNIFEM"])),
            20,
        ),
        (
            "participant outside the group",
            f(&|f| f.participants = strings(&["asean secretariat"])),
            20,
        ),
        (
            "participants ILO or UN Women",
            f(&|f| f.participants = strings(&["ILO", "UN Women"])),
            50,
        ),
        (
            "active during 2007",
            f(&|f| {
                f.active_from = Some("2007-01-01".into());
                f.active_to = Some("2007-12-31".into());
            }),
            50,
        ),
        (
            "active from 2025",
            f(&|f| f.active_from = Some("2025-01-01".into())),
            50,
        ),
        (
            "active until mid-2006",
            f(&|f| f.active_to = Some("2006-06-30".into())),
            20,
        ),
        (
            "active on 2010-03-15",
            f(&|f| {
                f.active_from = Some("2010-03-15".into());
                f.active_to = Some("2010-03-15".into());
            }),
            5,
        ),
        (
            "changed since mid-2025",
            f(&|f| f.changed_since = Some("2025-06-01".into())),
            20,
        ),
        (
            "created since mid-2025",
            f(&|f| {
                f.changed_since = Some("2025-06-01".into());
                f.change_kinds = strings(&["CREATED"]);
            }),
            10,
        ),
        (
            "revised since mid-2025",
            f(&|f| {
                f.changed_since = Some("2025-06-01".into());
                f.change_kinds = strings(&["REVISED"]);
            }),
            5,
        ),
        (
            "withdrawn since mid-2025",
            f(&|f| {
                f.changed_since = Some("2025-06-01".into());
                f.change_kinds = strings(&["WITHDRAWN"]);
            }),
            1,
        ),
        (
            "revised since 2012",
            f(&|f| {
                f.changed_since = Some("2012-01-01".into());
                f.change_kinds = strings(&["REVISED"]);
            }),
            100,
        ),
        (
            "revised since 2020, withdrawn included",
            f(&|f| {
                f.changed_since = Some("2020-01-01".into());
                f.change_kinds = strings(&["REVISED"]);
                f.include_withdrawn = true;
            }),
            20,
        ),
        (
            "revised since mid-2025, withdrawn included",
            f(&|f| {
                f.changed_since = Some("2025-06-01".into());
                f.change_kinds = strings(&["REVISED"]);
                f.include_withdrawn = true;
            }),
            5,
        ),
        (
            "withdrawn since 2012",
            f(&|f| {
                f.changed_since = Some("2012-01-01".into());
                f.change_kinds = strings(&["WITHDRAWN"]);
            }),
            30,
        ),
        (
            "revised or withdrawn since 2012, withdrawn included",
            f(&|f| {
                f.changed_since = Some("2012-01-01".into());
                f.change_kinds = strings(&["REVISED", "WITHDRAWN"]);
                f.include_withdrawn = true;
            }),
            100,
        ),
        (
            "created or revised since 2020",
            f(&|f| {
                f.changed_since = Some("2020-01-01".into());
                f.change_kinds = strings(&["CREATED", "REVISED"]);
            }),
            100,
        ),
        (
            "changed since 2020, withdrawn included",
            f(&|f| {
                f.changed_since = Some("2020-01-01".into());
                f.include_withdrawn = true;
            }),
            100,
        ),
        (
            "text: recruitment fees mekong",
            f(&|f| f.text = Some("recruitment fees mekong".into())),
            100,
        ),
        (
            "text: trafficking",
            f(&|f| f.text = Some("Trafficking".into())),
            100,
        ),
        (
            "text in French: traite des personnes",
            f(&|f| f.text = Some("traite personnes".into())),
            10,
        ),
        (
            "text: hotline shelter curriculum",
            f(&|f| f.text = Some("hotline shelter curriculum".into())),
            100,
        ),
        // Combined.
        (
            "co-chairs' question: KH/TH/LA, SDG 16.2 or GCM-10, active 2007-2009",
            f(&|f| {
                f.countries = strings(&["KH", "TH", "LA"]);
                f.themes = strings(&["SDG:16.2", "GCM:10"]);
                f.active_from = Some("2007-01-01".into());
                f.active_to = Some("2009-12-31".into());
            }),
            1,
        ),
        (
            "IOM trainings on trafficking in South-eastern Asia",
            f(&|f| {
                f.organizations = strings(&["IOM"]);
                f.activity_types = strings(&["TRAINING"]);
                f.regions = strings(&["035"]);
                f.topics = strings(&["trafficking"]);
            }),
            1,
        ),
        (
            "with ILO, on recruitment, ranked",
            f(&|f| {
                f.participants = strings(&["International Labour Office"]);
                f.text = Some("recruitment fees".into());
            }),
            1,
        ),
        (
            "women and girls, closed, changed since 2015",
            f(&|f| {
                f.target_groups = strings(&["WOMEN_AND_GIRLS"]);
                f.statuses = strings(&["CLOSED", "FINALISATION"]);
                f.changed_since = Some("2015-01-01".into());
            }),
            5,
        ),
        (
            "ESCAP region, remittances topic, 2010-2015, text",
            f(&|f| {
                f.regions = strings(&["ESCAP"]);
                f.topics = strings(&["remittances"]);
                f.active_from = Some("2010-01-01".into());
                f.active_to = Some("2015-12-31".into());
                f.text = Some("corridor gulf".into());
            }),
            1,
        ),
        (
            "withdrawn included, organization UNODC, GCM:9",
            f(&|f| {
                f.include_withdrawn = true;
                f.organizations = strings(&["UNODC"]);
                f.themes = strings(&["GCM:9"]);
            }),
            1,
        ),
    ];
    for (what, filters, at_least) in &cases {
        let found = oracle_query(world, filters).len();
        assert!(
            found >= *at_least,
            "{what}: the generated data holds only {found} matches (the test wants {at_least})"
        );
        if *at_least == 0 {
            assert_eq!(found, 0, "{what}");
        }
        check_query(client, world, what, filters.clone(), &[]).await;
    }

    // What those cases are meant to show is in the data.
    let th = oracle_query(world, &f(&|f| f.countries = strings(&["TH"])));
    assert!(
        th.iter().any(|r| r.content().countries.len() > 1),
        "multi-country reports match one of their countries"
    );
    let escap = oracle_query(world, &f(&|f| f.regions = strings(&["ESCAP"])));
    assert!(
        escap.iter().any(|r| r.content().regions.is_empty()),
        "a region matches reports naming only a country in it"
    );
    assert!(
        !escap
            .iter()
            .any(|r| r.content().regions.is_empty() && r.content().countries == ["SA"]),
        "Saudi Arabia is no member of ESCAP"
    );
    let during_2007 = oracle_query(
        world,
        &f(&|f| {
            f.active_from = Some("2007-01-01".into());
            f.active_to = Some("2007-12-31".into());
        }),
    );
    assert!(
        during_2007
            .iter()
            .any(|r| r.content().start().expect("start").year() < 2007),
        "interval overlap, not containment: activities started before 2007 count"
    );
    let ranked = oracle_query(
        world,
        &f(&|f| f.text = Some("recruitment fees mekong".into())),
    );
    let matched: Vec<usize> = ranked
        .iter()
        .map(|r| matched_words(r, &f(&|f| f.text = Some("recruitment fees mekong".into()))))
        .collect();
    assert!(
        matched.first() == Some(&3) && matched.contains(&2) && matched.last() == Some(&1),
        "reports with all three words come first, then two, then one"
    );
    for since in ["2012-01-01", "2020-01-01", "2025-06-01"] {
        let since_ms = time_of(since);
        let revised_before_withdrawn_after = world.reports.iter().any(|r| {
            r.withdrawn_at.is_some_and(|at| at >= since_ms)
                && r.revisions.len() > 1
                && r.revisions[1..].iter().all(|(at, _)| *at < since_ms)
        });
        assert!(
            revised_before_withdrawn_after,
            "the data holds a report revised before {since} and withdrawn after"
        );
    }

    // Paging in small pages gives the same ranking.
    let small = f(&|f| f.text = Some("recruitment fees mekong".into()));
    let (paged, first) = query_all(client, &small, &[], 7).await;
    assert_eq!(first.reports.len(), 7);
    let expected: Vec<String> = oracle_query(world, &small)
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(paged, expected, "pages of 7 follow the ranking");
    let (paged, _) = query_all(client, &none, &[Dimension::Year], 13).await;
    assert_eq!(paged, visible, "pages of 13, newest first");
}

async fn check_matrices(client: &Client, world: &World) {
    let none = ViewFilters::default();
    let period = ViewFilters {
        active_from: Some("2010-01-01".into()),
        active_to: Some("2012-12-31".into()),
        ..ViewFilters::default()
    };
    let cases: Vec<(&str, Dimension, Dimension, ViewFilters, Option<&str>)> = vec![
        (
            "country x topic",
            Dimension::Country,
            Dimension::Topic,
            none.clone(),
            None,
        ),
        (
            "organization x theme (GCM)",
            Dimension::Organization,
            Dimension::Theme,
            none.clone(),
            Some("GCM"),
        ),
        (
            "organization x country, 2010-2012",
            Dimension::Organization,
            Dimension::Country,
            period.clone(),
            None,
        ),
        (
            "organization x year, 2010-2012",
            Dimension::Organization,
            Dimension::Year,
            period.clone(),
            None,
        ),
        (
            "country x topic, trafficking in South-eastern Asia",
            Dimension::Country,
            Dimension::Topic,
            ViewFilters {
                regions: strings(&["035"]),
                topics: strings(&["trafficking", "smuggling"]),
                ..ViewFilters::default()
            },
            None,
        ),
    ];
    for (what, rows, columns, filters, vocabulary) in cases {
        let got = client
            .matrix(rows, columns, &filters, vocabulary)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let expected = oracle_matrix(world, rows, columns, &filters, vocabulary);
        assert_eq!(got.rows, expected.rows, "{what}: rows");
        assert_eq!(got.columns, expected.columns, "{what}: columns");
        let by_cell = |m: &Matrix| -> BTreeMap<(String, String), (u64, Vec<String>)> {
            m.cells
                .iter()
                .map(|c| {
                    (
                        (c.row.clone(), c.column.clone()),
                        (c.count, c.organizations.clone()),
                    )
                })
                .collect()
        };
        let (got_cells, expected_cells) = (by_cell(&got), by_cell(&expected));
        for (cell, value) in &expected_cells {
            assert_eq!(got_cells.get(cell), Some(value), "{what}: cell {cell:?}");
        }
        assert_eq!(
            got_cells.len(),
            expected_cells.len(),
            "{what}: no other cells"
        );
        let gaps = |m: &Matrix| -> BTreeSet<(String, String)> {
            m.gaps
                .iter()
                .map(|g| {
                    assert_eq!(g.count, 0, "{what}: a gap is empty");
                    (g.row.clone(), g.column.clone())
                })
                .collect()
        };
        let (got_gaps, expected_gaps) = (gaps(&got), gaps(&expected));
        assert!(
            got_gaps == expected_gaps,
            "{what}: gaps differ: {} unexpected, e.g. {:?}; {} missing, e.g. {:?}",
            got_gaps.difference(&expected_gaps).count(),
            got_gaps
                .difference(&expected_gaps)
                .take(5)
                .collect::<Vec<_>>(),
            expected_gaps.difference(&got_gaps).count(),
            expected_gaps
                .difference(&got_gaps)
                .take(5)
                .collect::<Vec<_>>(),
        );
        assert_eq!(got.gaps.len(), expected.gaps.len(), "{what}: each gap once");
    }
    // What the matrices are meant to show is in the data: gaps in the group's region, a
    // member with nothing at all, and cells naming several organizations.
    let countries = oracle_matrix(world, Dimension::Country, Dimension::Topic, &none, None);
    assert!(countries.gaps.iter().any(|g| g.row == "KH"));
    assert!(
        countries.gaps.iter().all(|g| g.row != "SA"),
        "SA is outside the region"
    );
    assert!(countries.cells.iter().any(|c| c.organizations.len() > 3));
    let members = oracle_matrix(
        world,
        Dimension::Organization,
        Dimension::Theme,
        &none,
        Some("GCM"),
    );
    assert_eq!(members.gaps.iter().filter(|g| g.row == SILENT).count(), 23);
}

async fn check_calendar(client: &Client, world: &World) {
    let from = Date::parse(CALENDAR_FROM).expect("date");
    let cases = [
        ("every event", ViewFilters::default()),
        (
            "trafficking only",
            ViewFilters {
                topics: strings(&["trafficking"]),
                ..ViewFilters::default()
            },
        ),
        (
            "in Thailand",
            ViewFilters {
                countries: strings(&["TH"]),
                ..ViewFilters::default()
            },
        ),
    ];
    let mut every = Vec::new();
    for (what, filters) in cases {
        let events = client
            .calendar(Some(CALENDAR_FROM), CALENDAR_DAYS, &filters)
            .await
            .unwrap_or_else(|e| panic!("calendar, {what}: {e}"));
        let got: Vec<ExpectedEvent> = events
            .iter()
            .map(|e| ExpectedEvent {
                id: e.report.id.clone(),
                start: e.start.clone(),
                end: e.end.clone(),
                location: e.location.clone(),
                week: e.week.clone(),
                clashes_with: e.clashes_with.iter().cloned().collect(),
                shared: e.shared_topics.iter().cloned().collect(),
            })
            .collect();
        let expected = oracle_calendar(world, from, i64::from(CALENDAR_DAYS), &filters);
        assert_eq!(got, expected, "calendar, {what}");
        if every.is_empty() {
            every = events;
        }
    }
    // The planted events.
    let id = |name: &str| world.planted[name].to_string();
    let event = |name: &str| -> Option<&RemoteCalendarEvent> {
        every.iter().find(|e| e.report.id == id(name))
    };
    let iom = event("iom-bangkok").expect("the IOM training is on the calendar");
    let unodc = event("unodc-bangkok").expect("the UNODC training is on the calendar");
    assert!(iom.clashes_with.contains(&id("unodc-bangkok")), "{iom:?}");
    assert!(unodc.clashes_with.contains(&id("iom-bangkok")), "{unodc:?}");
    assert!(
        iom.shared_topics.iter().any(|t| t == "trafficking"),
        "{iom:?}"
    );
    assert_eq!(iom.week, "2027-W02");
    let women = event("women-bangkok").expect("the UN-Women training is on the calendar");
    assert!(
        !women.clashes_with.contains(&id("unodc-bangkok")),
        "32 days apart"
    );
    assert!(!women.clashes_with.contains(&id("iom-bangkok")));
    let ilo = event("ilo-bangkok").expect("the ILO meeting is on the calendar");
    assert!(
        !ilo.clashes_with.contains(&id("iom-bangkok")),
        "no shared topic"
    );
    assert!(
        event("who-manila")
            .expect("WHO")
            .clashes_with
            .contains(&id("escap-manila"))
    );
    assert!(
        event("unodc-phnom-penh").is_none(),
        "cancelled events are not shown"
    );
    assert!(
        !event("iom-phnom-penh")
            .expect("IOM")
            .clashes_with
            .contains(&id("unodc-phnom-penh"))
    );
    assert!(
        event("ilo-dhaka").is_none(),
        "withdrawn events are not shown"
    );
    assert!(
        event("unicef-kh")
            .expect("UNICEF")
            .clashes_with
            .contains(&id("women-kh")),
        "the one country is the place"
    );
    assert!(event("iom-bangkok-march").is_none(), "after the window");
    assert!(
        event("unodc-bangkok-november").is_none(),
        "started before the window"
    );
    // Grouped by place, then start.
    let places: Vec<String> = every.iter().map(|e| e.location.to_lowercase()).collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted, "by place");
}

async fn check_freshness(client: &Client, world: &World) {
    for (fresh, overdue) in [(0u32, 0u32), (7, 365), (30, 90)] {
        let members = client
            .freshness(fresh, overdue)
            .await
            .unwrap_or_else(|e| panic!("freshness {fresh}/{overdue}: {e}"));
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as i64;
        let (fresh_days, overdue_days) = match (fresh, overdue) {
            (0, 0) => (30, 90),
            (f, o) => (i64::from(f), i64::from(o)),
        };
        let expected = oracle_freshness(world, now_ms, fresh_days, overdue_days);
        let got: BTreeMap<String, (FreshnessState, u64)> = members
            .iter()
            .map(|m| (m.organization.clone(), (m.state, m.reports)))
            .collect();
        assert_eq!(got, expected, "freshness {fresh}/{overdue}");
        assert_eq!(
            members
                .iter()
                .map(|m| m.organization.as_str())
                .collect::<Vec<_>>(),
            MEMBERS,
            "every member, in membership order"
        );
        for member in &members {
            assert_eq!(
                member.last_posted_ms,
                world.last_posted.get(member.organization.as_str()).copied(),
                "{}: last posted is its newest entry's time",
                member.organization
            );
            assert_eq!(
                member.last_received_ms.is_some(),
                member.organization != SILENT,
                "{}: received here",
                member.organization
            );
            assert_eq!(member.lag_entries, 0, "a standalone node is behind nobody");
        }
    }
    let states = |fresh, overdue| {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as i64;
        oracle_freshness(world, now_ms, fresh, overdue)
            .into_values()
            .map(|(state, _)| format!("{state:?}"))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(states(30, 90).len(), 4, "the data shows all four states");
    let error = client
        .freshness(60, 30)
        .await
        .expect_err("overdue before fresh");
    assert_eq!(error.code, tonic::Code::InvalidArgument);
    assert_eq!(error.violations[0].field, "overdue_days");
}

async fn check_cli(endpoint: &str, world: &World) {
    // `concord query` prints the whole ranked set as JSON with --all.
    let output = run_client(
        "query",
        endpoint,
        &[
            "--country",
            "KH",
            "--topic",
            "trafficking",
            "--all",
            "--page-size",
            "20",
            "-o",
            "json",
        ],
    )
    .await
    .success();
    let json: Value = serde_json::from_str(&output.stdout).expect("JSON");
    let filters = ViewFilters {
        countries: strings(&["KH"]),
        topics: strings(&["trafficking"]),
        ..ViewFilters::default()
    };
    let expected: Vec<String> = oracle_query(world, &filters)
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    let ids: Vec<String> = json["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(json["total"].as_u64(), Some(expected.len() as u64));
    // The table: the page, the total, the facets.
    let output = run_client(
        "query",
        endpoint,
        &[
            "--text",
            "recruitment fees mekong",
            "--facet",
            "org",
            "--facet",
            "topic",
        ],
    )
    .await
    .success();
    let total = oracle_query(
        world,
        &ViewFilters {
            text: Some("recruitment fees mekong".into()),
            ..ViewFilters::default()
        },
    )
    .len();
    assert!(
        output
            .stdout
            .contains(&format!("{} reports match, ranked", thousands(total))),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("by organization: "),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("by topic: "), "{}", output.stdout);
    assert!(output.stderr.contains("--page-token"), "{}", output.stderr);
    // The matrix table and its gaps; its cells in JSON.
    let output = run_client(
        "matrix",
        endpoint,
        &["--rows", "org", "--cols", "theme", "--vocabulary", "GCM"],
    )
    .await
    .success();
    assert!(output.stdout.contains("GAPS:"), "{}", output.stdout);
    assert!(
        output.stdout.contains("UNIAP: nothing at all"),
        "{}",
        output.stdout
    );
    let output = run_client(
        "matrix",
        endpoint,
        &[
            "--rows",
            "country",
            "--cols",
            "topic",
            "--from",
            "2010-01-01",
            "--to",
            "2012-12-31",
            "-o",
            "json",
        ],
    )
    .await
    .success();
    let json: Value = serde_json::from_str(&output.stdout).expect("JSON");
    let expected = oracle_matrix(
        world,
        Dimension::Country,
        Dimension::Topic,
        &ViewFilters {
            active_from: Some("2010-01-01".into()),
            active_to: Some("2012-12-31".into()),
            ..ViewFilters::default()
        },
        None,
    );
    assert_eq!(
        json["cells"].as_array().expect("cells").len(),
        expected.cells.len()
    );
    let first = &expected.cells[0];
    assert_eq!(json["cells"][0]["row"], first.row.as_str());
    assert_eq!(
        json["cells"][0]["organizations"],
        serde_json::to_value(&first.organizations).expect("JSON")
    );
    assert_eq!(
        json["gaps"].as_array().expect("gaps").len(),
        expected.gaps.len()
    );
    // Freshness and calendar tables.
    let output = run_client(
        "freshness",
        endpoint,
        &["--fresh-days", "30", "--overdue-days", "90"],
    )
    .await
    .success();
    let line = |member: &str| {
        output
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{member} ")))
            .unwrap_or_else(|| panic!("no line for {member}: {}", output.stdout))
            .to_string()
    };
    assert!(line("UNAIDS").contains("OVERDUE"), "{}", output.stdout);
    assert!(line("IOM").contains("fresh"), "{}", output.stdout);
    assert!(line("UNHCR").contains("due"), "{}", output.stdout);
    assert!(line("UNIAP").contains("SILENT"), "{}", output.stdout);
    let output = run_client(
        "calendar",
        endpoint,
        &["--from", CALENDAR_FROM, "--days", "90", "--country", "TH"],
    )
    .await
    .success();
    assert!(output.stdout.contains("\nBangkok\n"), "{}", output.stdout);
    assert!(
        output.stdout.contains("\n  2027-W02\n"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("!! CLASH with UNODC"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("sharing "), "{}", output.stdout);
    // Bad values are named by their flags.
    for (args, flag) in [
        (vec!["query", "--country", "XX"], "--country \"XX\""),
        (vec!["query", "--type", "PICNIC"], "--type \"PICNIC\""),
        (
            vec!["query", "--region", "Atlantis"],
            "--region \"Atlantis\"",
        ),
        (
            vec!["query", "--topic", "astrology"],
            "--topic \"astrology\"",
        ),
        (
            vec!["query", "--changed-since", "yesterday"],
            "--changed-since \"yesterday\"",
        ),
        (vec!["query", "--change", "created"], "--change"),
        (
            vec![
                "matrix",
                "--rows",
                "country",
                "--cols",
                "theme",
                "--vocabulary",
                "XYZ",
            ],
            "--vocabulary",
        ),
        (vec!["calendar", "--from", "2027-02-30"], "--from"),
        (
            vec!["freshness", "--fresh-days", "60", "--overdue-days", "30"],
            "--overdue-days",
        ),
    ] {
        let output = run_client(args[0], endpoint, &args[1..]).await.failure();
        assert!(
            output.stderr.contains("INVALID_ARGUMENT") && output.stderr.contains(flag),
            "`concord {}` should name {flag}: {}",
            args.join(" "),
            output.stderr
        );
    }
    let output = run_client("query", endpoint, &["--change", "sometimes"])
        .await
        .failure();
    assert!(output.stderr.contains("--change"), "{}", output.stderr);
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Every invalid field of every View request is INVALID_ARGUMENT naming it; a page token
/// from another query is refused; nothing invalid is half-answered.
#[tokio::test]
async fn bad_view_requests_name_the_field() {
    let mut node = TestNode::start().await;
    for title in [
        "Workshop on labour migration",
        "Training on trafficking in persons",
        "Meeting on labour migration statistics",
    ] {
        submit(&mut node.client, sample_content(title)).await;
    }
    let mut view = ViewClient::new(node.channel().await);
    let filter = |edit: &dyn Fn(&mut pb::ViewFilter)| {
        let mut filter = pb::ViewFilter::default();
        edit(&mut filter);
        filter
    };
    let since = prost_types::Timestamp {
        seconds: 1_700_000_000,
        nanos: 0,
    };
    let cases: Vec<(pb::ViewFilter, &str)> = vec![
        (
            filter(&|f| f.organizations = vec![String::new()]),
            "filter.organizations[0]",
        ),
        (
            filter(&|f| f.activity_types = vec![99]),
            "filter.activity_types[0]",
        ),
        (filter(&|f| f.statuses = vec![1, 42]), "filter.statuses[1]"),
        (
            filter(&|f| f.countries = vec!["XX".into()]),
            "filter.countries[0]",
        ),
        (
            filter(&|f| f.regions = vec!["Atlantis".into()]),
            "filter.regions[0]",
        ),
        (
            filter(&|f| {
                f.themes = vec![pb::Theme {
                    vocabulary: "GCM".into(),
                    code: "99".into(),
                }]
            }),
            "filter.themes[0]",
        ),
        (
            filter(&|f| {
                f.themes = vec![pb::Theme {
                    vocabulary: "ASTRO".into(),
                    code: "1".into(),
                }]
            }),
            "filter.themes[0]",
        ),
        (
            filter(&|f| f.topics = vec!["trafficking".into(), "astrology".into()]),
            "filter.topics[1]",
        ),
        (
            filter(&|f| f.target_groups = vec!["ALIENS".into()]),
            "filter.target_groups[0]",
        ),
        (
            filter(&|f| f.participants = vec!["  ".into()]),
            "filter.participants[0]",
        ),
        (
            filter(&|f| f.participants = vec!["x".repeat(201)]),
            "filter.participants[0]",
        ),
        (
            filter(&|f| f.active_from = "2007-13-01".into()),
            "filter.active_from",
        ),
        (
            filter(&|f| f.active_to = "yesterday".into()),
            "filter.active_to",
        ),
        (
            filter(&|f| {
                f.active_from = "2008-01-01".into();
                f.active_to = "2007-01-01".into();
            }),
            "filter.active_to",
        ),
        (
            filter(&|f| {
                f.changed_since = Some(prost_types::Timestamp {
                    seconds: 0,
                    nanos: -1,
                })
            }),
            "filter.changed_since",
        ),
        (
            filter(&|f| {
                f.changed_since = Some(prost_types::Timestamp {
                    seconds: 0,
                    nanos: 1_000_000_000,
                })
            }),
            "filter.changed_since",
        ),
        (
            filter(&|f| {
                f.changed_since = Some(since);
                f.change_kinds = vec![7];
            }),
            "filter.change_kinds[0]",
        ),
        (
            filter(&|f| f.change_kinds = vec![pb::ChangeKind::Created as i32]),
            "filter.change_kinds",
        ),
        (filter(&|f| f.text = "x".repeat(501)), "filter.text"),
        (filter(&|f| f.text = "labour\u{7}".into()), "filter.text"),
    ];
    for (bad, field) in &cases {
        let status = view
            .query(pb::QueryRequest {
                filter: Some(bad.clone()),
                ..Default::default()
            })
            .await
            .expect_err(field);
        let error = ClientError::from(status);
        assert_eq!(error.code, tonic::Code::InvalidArgument, "{field}: {error}");
        let fields: Vec<&str> = error.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, [*field], "query: {error}");
        // The same filter is refused the same way by the matrix and the calendar.
        let status = view
            .matrix(pb::MatrixRequest {
                rows: pb::Dimension::Country as i32,
                columns: pb::Dimension::Topic as i32,
                filter: Some(bad.clone()),
                theme_vocabulary: String::new(),
            })
            .await
            .expect_err(field);
        assert_eq!(
            ClientError::from(status).violations[0].field,
            *field,
            "matrix"
        );
        let status = view
            .calendar(pb::CalendarRequest {
                filter: Some(bad.clone()),
                ..Default::default()
            })
            .await
            .expect_err(field);
        assert_eq!(
            ClientError::from(status).violations[0].field,
            *field,
            "calendar"
        );
    }
    // Every bad field at once, each named.
    let status = view
        .query(pb::QueryRequest {
            filter: Some(filter(&|f| {
                f.countries = vec!["XX".into()];
                f.topics = vec!["astrology".into()];
                f.change_kinds = vec![1];
            })),
            facets: vec![42],
            page_size: 5000,
            page_token: "garbage".into(),
        })
        .await
        .expect_err("everything is wrong");
    let fields: BTreeSet<String> = ClientError::from(status)
        .violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        fields,
        strings(&[
            "filter.countries[0]",
            "filter.topics[0]",
            "filter.change_kinds",
            "facets[0]",
            "page_size",
            "page_token"
        ])
        .into_iter()
        .collect()
    );
    // Page tokens belong to their query.
    let labour = filter(&|f| f.text = "workshop statistics".into());
    let page = view
        .query(pb::QueryRequest {
            filter: Some(labour.clone()),
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("query")
        .into_inner();
    assert_eq!(page.total, 2);
    assert!(!page.next_page_token.is_empty());
    let status = view
        .query(pb::QueryRequest {
            filter: Some(filter(&|f| f.text = "trafficking".into())),
            page_size: 1,
            page_token: page.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .expect_err("a token of another query");
    let error = ClientError::from(status);
    assert_eq!(error.code, tonic::Code::InvalidArgument);
    assert_eq!(error.violations[0].field, "page_token");
    let next = view
        .query(pb::QueryRequest {
            filter: Some(labour),
            page_size: 1,
            page_token: page.next_page_token,
            facets: vec![pb::Dimension::Year as i32],
        })
        .await
        .expect("the same query with other facets continues")
        .into_inner();
    assert_eq!(next.reports.len(), 1);
    assert!(next.next_page_token.is_empty());
    assert_ne!(next.reports[0].id, page.reports[0].id);
    // The other requests' own fields.
    let matrix = |rows: i32, columns: i32, vocabulary: &str| pb::MatrixRequest {
        rows,
        columns,
        filter: None,
        theme_vocabulary: vocabulary.into(),
    };
    for (request, field) in [
        (matrix(0, pb::Dimension::Topic as i32, ""), "rows"),
        (matrix(pb::Dimension::Country as i32, 77, ""), "columns"),
        (
            matrix(
                pb::Dimension::Organization as i32,
                pb::Dimension::Theme as i32,
                "XYZ",
            ),
            "theme_vocabulary",
        ),
    ] {
        let status = view.matrix(request).await.expect_err(field);
        assert_eq!(ClientError::from(status).violations[0].field, field);
    }
    for (request, field) in [
        (
            pb::CalendarRequest {
                from: "2027-02-30".into(),
                ..Default::default()
            },
            "from",
        ),
        (
            pb::CalendarRequest {
                days: 100_000,
                ..Default::default()
            },
            "days",
        ),
    ] {
        let status = view.calendar(request).await.expect_err(field);
        assert_eq!(ClientError::from(status).violations[0].field, field);
    }
    let status = view
        .freshness(pb::FreshnessRequest {
            fresh_days: 100,
            overdue_days: 10,
        })
        .await
        .expect_err("overdue before fresh");
    assert_eq!(
        ClientError::from(status).violations[0].field,
        "overdue_days"
    );
    node.shutdown().await;
}
