//! Text similarity between reports, across wordings and languages.
//!
//! Two reports of the same activity rarely share a title: one says "GFMD", the other
//! "Global Forum on Migration and Development"; one runs a "workshop", the other a
//! "training course"; one writes in French or Russian. This module turns a title or summary
//! into **terms** that such variants share, then compares the terms of two reports.
//!
//! The pipeline, in order ([`text_terms`]):
//! 1. [`folded_words`]: Unicode lower-casing and folding of Latin diacritics, split at
//!    punctuation (the search tokenizer of [`crate::report::text`], applied word by word so
//!    that order and repeats survive for phrase matching). Acronyms that are also ordinary
//!    words ("ADD", "TIP", "COMMIT") are recognised here, while their case is still known.
//! 2. Translation of common French, Spanish and Russian words of the domain into their
//!    English form (a small lexicon: "enfants" → "child", "трудовой" → "labour"); other
//!    Cyrillic words are transliterated, which is enough for names ("Бишкек" → "bishkek").
//! 3. Phrase rewriting: acronyms and their expansions become one shared term plus the
//!    expansion's words, which count half ("GFMD" and "Global Forum on Migration and
//!    Development" both give `acr:gfmd global forum migration development`); synonyms
//!    become one canonical word
//!    ("workshop", "seminar", "course", "capacity building" → "training"); organization
//!    names become `org:` terms, kept apart from the comparison.
//! 4. Light stemming of English words (plurals, -ing, -ed) and British spelling.
//! 5. Dropping stop words (English, French, Spanish, Russian), years, country names and
//!    demonyms (place is compared separately, from the coded countries).
//!
//! [`TermWeights`] holds a report's terms (title terms weigh more than summary terms), and
//! [`similarity`] is the cosine of two reports' term vectors, each term weighted by its
//! inverse document frequency from a caller-provided [`DocumentFrequencies`] table (built
//! from the reports the caller holds), or weighing 1 when there is none; either way, a
//! list of words that say nothing about the subject of an activity ("migration",
//! "regional", "support", "training"...) weighs a quarter of that.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use crate::report::LocalizedText;
use crate::report::text::search_tokens;
use crate::report::vocabulary::countries;

/// Prefix of the terms that stand for an acronym and its expansion (`acr:gfmd`).
pub const ACRONYM_PREFIX: &str = "acr:";

/// Prefix of the terms that name an organization (`org:iom`); they are not compared as
/// words (every IOM report says "IOM") but tell who a text mentions.
pub const ORGANIZATION_PREFIX: &str = "org:";

// ---------------------------------------------------------------------------------------
// Step 1: folded words
// ---------------------------------------------------------------------------------------

/// Acronyms that are also ordinary words, recognised only when written in capitals
/// (a report that says "add" or "commit" in lower case means the verb).
const CASE_SENSITIVE_ACRONYMS: &[(&str, &str)] = &[
    ("ADD", "add"),
    ("TIP", "tip"),
    ("ATD", "atd"),
    ("COMMIT", "commit"),
    ("IRIS", "iris"),
    ("EGM", "egm"),
    ("PDO", "pdo"),
    ("RSD", "rsd"),
    ("EPS", "eps"),
    ("SWP", "swp"),
    ("RSE", "rse"),
    ("PALM", "palm"),
    ("CiC", "cic"),
    ("CiCs", "cic"),
    ("NSO", "nso"),
    // The World Health Organization, not the pronoun.
    ("WHO", "who"),
];

/// The words of `text`, lower-cased, with Latin diacritics folded, in order and with
/// repeats; one-letter words and the English stop words of the search index are dropped.
/// Capitalised acronyms that are also ordinary words become `acr:` terms ("COMMIT" →
/// `acr:commit`).
///
/// Scripts written without spaces (Thai, Khmer, Chinese) come out as one word per run.
pub fn folded_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in text.split_whitespace() {
        let bare = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        if let Some((_, term)) = CASE_SENSITIVE_ACRONYMS
            .iter()
            .find(|(written, _)| *written == bare)
        {
            words.push(format!("{ACRONYM_PREFIX}{term}"));
            continue;
        }
        words.extend(search_tokens(chunk));
    }
    words
}

/// The folded form of `text` as one string: its [`folded_words`] joined by spaces. Used to
/// find words of unspaced scripts (Thai, Khmer, Chinese) as substrings.
pub fn folded_text(text: &str) -> String {
    folded_words(text).join(" ")
}

/// True when `word` is written in a script that does not separate words by spaces, so
/// that a keyword in it must be looked for as a substring.
pub fn is_unspaced_script(word: &str) -> bool {
    word.chars().any(|c| {
        matches!(c,
            '\u{0E00}'..='\u{0EFF}'     // Thai, Lao
            | '\u{1000}'..='\u{109F}'   // Myanmar
            | '\u{1780}'..='\u{17FF}'   // Khmer
            | '\u{3040}'..='\u{30FF}'   // Japanese kana
            | '\u{3400}'..='\u{9FFF}'   // CJK ideographs
            | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables (spaced, but compounds are long)
        )
    })
}

// ---------------------------------------------------------------------------------------
// Step 2: translation of foreign words
// ---------------------------------------------------------------------------------------

/// French and Spanish words of the domain (folded: no accents) and their English form.
/// Only words that carry meaning in activity reports; function words are stop words.
const LATIN_LEXICON: &[(&str, &str)] = &[
    // French
    ("atelier", "training"),
    ("ateliers", "training"),
    ("formation", "training"),
    ("formations", "training"),
    ("reunion", "meeting"),
    ("reunions", "meeting"),
    ("conference", "conference"),
    ("etude", "study"),
    ("etudes", "study"),
    ("recherche", "study"),
    ("enquete", "survey"),
    ("enfants", "child"),
    ("enfant", "child"),
    ("parents", "parent"),
    ("famille", "family"),
    ("familles", "family"),
    ("femmes", "woman"),
    ("femme", "woman"),
    ("filles", "girl"),
    ("travailleurs", "worker"),
    ("travailleuses", "worker"),
    ("travailleur", "worker"),
    ("travail", "work"),
    ("travaillent", "work"),
    ("emploi", "employment"),
    ("saisonnier", "seasonal"),
    ("saisonniers", "seasonal"),
    ("saisonniere", "seasonal"),
    ("mobilite", "mobility"),
    ("migrants", "migrant"),
    ("migrantes", "migrant"),
    ("migrations", "migration"),
    ("traite", "trafficking"),
    ("passeurs", "smuggling"),
    ("victimes", "victim"),
    ("droits", "right"),
    ("protection", "protection"),
    ("sante", "health"),
    ("scolarisation", "school"),
    ("ecole", "school"),
    ("ecoles", "school"),
    ("education", "education"),
    ("donnees", "data"),
    ("statistiques", "statistic"),
    ("recensement", "census"),
    ("depart", "departure"),
    ("retour", "return"),
    ("reintegration", "reintegration"),
    ("recrutement", "recruitment"),
    ("envois", "remittance"),
    ("transferts", "remittance"),
    ("fonds", "fund"),
    ("politique", "policy"),
    ("politiques", "policy"),
    ("cooperation", "cooperation"),
    ("regionale", "regional"),
    ("regional", "regional"),
    ("nationale", "national"),
    ("national", "national"),
    ("gouvernement", "government"),
    ("ministere", "ministry"),
    ("departement", "department"),
    ("programme", "programme"),
    ("programmes", "programme"),
    ("projet", "programme"),
    ("sud", "south"),
    ("nord", "north"),
    ("est", "east"),
    ("ouest", "west"),
    ("prise", "care"),
    ("charge", "care"),
    ("risques", "risk"),
    ("risque", "risk"),
    ("annuelle", "annual"),
    ("annuel", "annual"),
    ("pacifique", "pacific"),
    ("climatique", "climate"),
    ("climat", "climate"),
    ("changement", "change"),
    ("refugies", "refugee"),
    ("refugie", "refugee"),
    ("asile", "asylum"),
    ("frontiere", "border"),
    ("frontieres", "border"),
    ("violence", "violence"),
    ("sexiste", "gender"),
    ("genre", "gender"),
    ("sensibilisation", "awareness"),
    ("orientation", "orientation"),
    ("competences", "skill"),
    ("gains", "earning"),
    ("utilisation", "use"),
    ("employeurs", "employer"),
    ("organise", "organised"),
    ("organisee", "organised"),
    ("mariage", "marriage"),
    ("mariages", "marriage"),
    ("detention", "detention"),
    ("apatridie", "statelessness"),
    ("apatrides", "stateless"),
    ("premiere", "first"),
    ("premier", "first"),
    ("deuxieme", "second"),
    ("troisieme", "third"),
    // Spanish
    ("taller", "training"),
    ("talleres", "training"),
    ("capacitacion", "training"),
    ("curso", "training"),
    ("cursos", "training"),
    ("reunion", "meeting"),
    ("conferencia", "conference"),
    ("estudio", "study"),
    ("investigacion", "study"),
    ("encuesta", "survey"),
    ("ninos", "child"),
    ("ninas", "child"),
    ("nino", "child"),
    ("infancia", "child"),
    ("padres", "parent"),
    ("familia", "family"),
    ("familias", "family"),
    ("mujeres", "woman"),
    ("mujer", "woman"),
    ("trabajadores", "worker"),
    ("trabajadoras", "worker"),
    ("trabajo", "work"),
    ("empleo", "employment"),
    ("migrantes", "migrant"),
    ("migracion", "migration"),
    ("migraciones", "migration"),
    ("trata", "trafficking"),
    ("trafico", "smuggling"),
    ("victimas", "victim"),
    ("derechos", "right"),
    ("proteccion", "protection"),
    ("salud", "health"),
    ("escuela", "school"),
    ("escuelas", "school"),
    ("educacion", "education"),
    ("datos", "data"),
    ("estadisticas", "statistic"),
    ("censo", "census"),
    ("retorno", "return"),
    ("reintegracion", "reintegration"),
    ("reclutamiento", "recruitment"),
    ("remesas", "remittance"),
    ("politica", "policy"),
    ("politicas", "policy"),
    ("cooperacion", "cooperation"),
    ("gobierno", "government"),
    ("ministerio", "ministry"),
    ("programa", "programme"),
    ("proyecto", "programme"),
    ("refugiados", "refugee"),
    ("asilo", "asylum"),
    ("frontera", "border"),
    ("fronteras", "border"),
    ("genero", "gender"),
    ("matrimonio", "marriage"),
    ("laboral", "labour"),
    ("diaspora", "diaspora"),
    ("desarrollo", "development"),
    ("developpement", "development"),
];

/// Russian word stems of the domain and their English form: a Russian word is translated
/// when it starts with the stem (Russian inflects its endings). Longer stems first where
/// one stem begins another.
const RUSSIAN_LEXICON: &[(&str, &str)] = &[
    ("трудящ", "worker"),
    ("трудов", "labour"),
    ("труд", "labour"),
    ("работник", "worker"),
    ("работ", "work"),
    ("мигрант", "migrant"),
    ("миграц", "migration"),
    ("миграцион", "migration"),
    ("конференц", "conference"),
    ("семинар", "training"),
    ("тренинг", "training"),
    ("обучени", "training"),
    ("курс", "training"),
    ("совещани", "meeting"),
    ("встреч", "meeting"),
    ("исследовани", "study"),
    ("обследовани", "survey"),
    ("дет", "child"),
    ("ребен", "child"),
    ("родител", "parent"),
    ("сем", "family"),
    ("женщин", "woman"),
    ("девоч", "girl"),
    ("прав", "right"),
    ("правительств", "government"),
    ("защит", "protection"),
    ("социальн", "social"),
    ("страхован", "insurance"),
    ("пенси", "pension"),
    ("здоров", "health"),
    ("здравоохранени", "health"),
    ("образовани", "education"),
    ("школ", "school"),
    ("торговл", "trafficking"),
    ("контрабанд", "smuggling"),
    ("жертв", "victim"),
    ("беженц", "refugee"),
    ("убежищ", "asylum"),
    ("граница", "border"),
    ("границ", "border"),
    ("погранич", "border"),
    ("пограничник", "border"),
    ("въезд", "entry"),
    ("выезд", "departure"),
    ("возвращ", "return"),
    ("реинтеграц", "reintegration"),
    ("денежн", "money"),
    ("перевод", "remittance"),
    ("финансов", "financial"),
    ("грамотност", "literacy"),
    ("сбережени", "saving"),
    ("бюджет", "budget"),
    ("консультир", "counselling"),
    ("консультац", "counselling"),
    ("центр", "centre"),
    ("регистрац", "registration"),
    ("патент", "permit"),
    ("регионал", "regional"),
    ("национал", "national"),
    ("сотрудничеств", "cooperation"),
    ("министерств", "ministry"),
    ("служб", "service"),
    ("профсоюз", "union"),
    ("эксплуатац", "exploitation"),
    ("регулировани", "regulation"),
    ("программ", "programme"),
    ("проект", "programme"),
    ("сельск", "rural"),
    ("занятост", "employment"),
    ("развити", "development"),
    ("систем", "system"),
    ("выявлени", "identification"),
    ("уязвим", "vulnerable"),
    ("брак", "marriage"),
    ("данн", "data"),
    ("статистик", "statistic"),
    ("перепис", "census"),
    ("политик", "policy"),
    ("положени", "situation"),
    ("попечени", "care"),
    ("оставш", "left"),
    ("центральн", "central"),
    ("ази", "asia"),
    ("росси", "russia"),
    ("безопасн", "safe"),
    ("планировани", "planning"),
    ("совместн", "joint"),
];

/// Latin transliteration of Cyrillic letters, for names the lexicon does not know.
fn transliterate_cyrillic(c: char) -> Option<&'static str> {
    let latin = match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' | 'ы' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ю' => "yu",
        'я' => "ya",
        // Kazakh, Kyrgyz and Tajik letters.
        'қ' => "q",
        'ң' => "n",
        'ү' | 'ұ' => "u",
        'ө' => "o",
        'ә' => "a",
        'һ' => "h",
        'і' => "i",
        'ғ' => "gh",
        'ҳ' => "h",
        'ӣ' => "i",
        'ӯ' => "u",
        'ҷ' => "j",
        _ => return None,
    };
    Some(latin)
}

/// A Cyrillic word in Latin letters ("алматы" → "almaty"), or `None` when the word is not
/// all Cyrillic.
pub fn transliterated(word: &str) -> Option<String> {
    let mut latin = String::with_capacity(word.len());
    for c in word.chars() {
        latin.push_str(transliterate_cyrillic(c)?);
    }
    Some(latin)
}

fn latin_lexicon() -> &'static HashMap<&'static str, &'static str> {
    static LEXICON: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    LEXICON.get_or_init(|| LATIN_LEXICON.iter().copied().collect())
}

/// The English form of a folded word, when the lexicon knows it; other Cyrillic words are
/// transliterated; anything else is returned unchanged.
fn translated(word: &str) -> String {
    if let Some(english) = latin_lexicon().get(word) {
        return (*english).to_string();
    }
    if word
        .chars()
        .next()
        .is_some_and(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
    {
        let best = RUSSIAN_LEXICON
            .iter()
            .filter(|(stem, _)| word.starts_with(stem))
            .max_by_key(|(stem, _)| stem.chars().count());
        if let Some((_, english)) = best {
            return (*english).to_string();
        }
        if let Some(latin) = transliterated(word) {
            return latin;
        }
    }
    word.to_string()
}

// ---------------------------------------------------------------------------------------
// Step 3: phrases (acronyms, synonyms, organizations)
// ---------------------------------------------------------------------------------------

/// What a phrase rewrite produces.
enum Rewrite {
    /// An acronym: the `acr:` term plus the expansion's words.
    Acronym(&'static str, &'static str),
    /// A synonym: the canonical word(s) replace the phrase.
    Synonym(&'static str),
    /// An organization: its `org:` term replaces the phrase.
    Organization(&'static str),
}

/// Acronyms of the working group's world: the shared term, the forms that give it (the
/// acronym and the names written in full; forms in capitals are recognised in capitals
/// only when listed in [`CASE_SENSITIVE_ACRONYMS`]), and the expansion's words. Either
/// form gives the same terms, so "GFMD" meets "Global Forum on Migration and Development".
const ACRONYMS: &[(&str, &[&str], &str)] = &[
    (
        "gfmd",
        &["GFMD", "Global Forum on Migration and Development"],
        "global forum migration development",
    ),
    (
        "baliprocess",
        &[
            "Bali Process",
            "Bali Regional Ministerial Conference on People Smuggling, Trafficking in Persons and Related Transnational Crime",
        ],
        "bali process people smuggling trafficking",
    ),
    (
        "commit",
        &[
            "COMMIT",
            "Coordinated Mekong Ministerial Initiative against Trafficking",
        ],
        "mekong ministerial initiative trafficking",
    ),
    (
        "asean",
        &["ASEAN", "Association of Southeast Asian Nations"],
        "association southeast asian nations",
    ),
    (
        "saarc",
        &["SAARC", "South Asian Association for Regional Cooperation"],
        "south asian association regional cooperation",
    ),
    (
        "mou",
        &[
            "MoU",
            "MoUs",
            "memorandum of understanding",
            "memoranda of understanding",
        ],
        "memorandum understanding agreement",
    ),
    (
        "gcm",
        &[
            "GCM",
            "Global Compact for Safe, Orderly and Regular Migration",
            "Global Compact for Migration",
            "migration compact",
        ],
        "global compact migration",
    ),
    (
        "sdg",
        &[
            "SDG",
            "SDGs",
            "Sustainable Development Goals",
            "Sustainable Development Goal",
        ],
        "sustainable development goal",
    ),
    (
        "rtwg",
        &[
            "RTWG",
            "Regional Thematic Working Group",
            "thematic working group",
        ],
        "regional thematic working group",
    ),
    (
        "tip",
        &["TIP", "trafficking in persons"],
        "trafficking persons",
    ),
    (
        "afml",
        &[
            "AFML",
            "ASEAN Forum on Migrant Labour",
            "ASEAN Forum on Migrant Labor",
        ],
        "asean forum migrant labour",
    ),
    (
        "acmw",
        &["ACMW", "ASEAN Committee on Migrant Workers"],
        "asean committee migrant workers",
    ),
    (
        "somtc",
        &["SOMTC", "Senior Officials Meeting on Transnational Crime"],
        "senior officials meeting transnational crime",
    ),
    (
        "hld",
        &[
            "HLD",
            "High-level Dialogue on International Migration and Development",
            "High-level Dialogue",
        ],
        "high level dialogue international migration development",
    ),
    (
        "eps",
        &["EPS", "Employment Permit System"],
        "employment permit system",
    ),
    (
        "appc",
        &["APPC", "Asian and Pacific Population Conference"],
        "asian pacific population conference",
    ),
    (
        "apuf",
        &["APUF", "Asia-Pacific Urban Forum"],
        "asia pacific urban forum",
    ),
    (
        "junima",
        &[
            "JUNIMA",
            "Joint UN Initiative on Mobility and HIV",
            "joint United Nations initiative on mobility and HIV",
        ],
        "joint initiative mobility hiv",
    ),
    (
        "crump",
        &["CRUMP", "Cambodia Rural Urban Migration Project"],
        "cambodia rural urban migration project",
    ),
    (
        "add",
        &["ADD", "Abu Dhabi Dialogue"],
        "abu dhabi dialogue gulf asian countries origin",
    ),
    (
        "colomboprocess",
        &[
            "Colombo Process",
            "Ministerial Consultation on Overseas Employment and Contractual Labour for Countries of Origin in Asia",
        ],
        "colombo process ministerial consultation countries origin asia",
    ),
    ("almatyprocess", &["Almaty Process"], "almaty process"),
    (
        "c189",
        &["C189", "Domestic Workers Convention", "Convention No. 189"],
        "domestic workers convention",
    ),
    (
        "icpd",
        &[
            "ICPD",
            "International Conference on Population and Development",
        ],
        "international conference population development",
    ),
    (
        "cedaw",
        &["CEDAW"],
        "convention elimination discrimination against women",
    ),
    (
        "pccm",
        &["PCCM", "Pacific Climate Change and Migration"],
        "pacific climate change migration",
    ),
    (
        "ofw",
        &["OFW", "OFWs", "overseas Filipino workers"],
        "overseas filipino workers",
    ),
    (
        "gbv",
        &["GBV", "gender-based violence"],
        "gender based violence",
    ),
    (
        "vaw",
        &["VAW", "violence against women"],
        "violence against women",
    ),
    ("hiv", &["HIV/AIDS", "HIV"], "hiv"),
    ("tvet", &["TVET"], "technical vocational education training"),
    (
        "nso",
        &[
            "NSO",
            "National Statistical Office",
            "national statistics office",
        ],
        "national statistical office",
    ),
    (
        "slbfe",
        &[
            "SLBFE",
            "Sri Lanka Bureau of Foreign Employment",
            "Bureau of Foreign Employment",
        ],
        "bureau foreign employment",
    ),
    (
        "vamas",
        &["VAMAS", "Association of Manpower Supply"],
        "association manpower supply",
    ),
    (
        "dlpw",
        &["DLPW", "Department of Labour Protection and Welfare"],
        "department labour protection welfare",
    ),
    (
        "molvt",
        &["MoLVT", "Ministry of Labour and Vocational Training"],
        "ministry labour vocational training",
    ),
    (
        "molsw",
        &["MoLSW", "Ministry of Labour and Social Welfare"],
        "ministry labour social welfare",
    ),
    (
        "bmet",
        &["BMET", "Bureau of Manpower, Employment and Training"],
        "bureau manpower employment training",
    ),
    (
        "suhakam",
        &["SUHAKAM", "Human Rights Commission of Malaysia"],
        "human rights commission",
    ),
    (
        "cic",
        &["CiC", "CiCs", "camp-in-charge"],
        "camp charge officer",
    ),
    (
        "cccm",
        &["CCCM", "camp coordination and camp management"],
        "camp coordination management",
    ),
    (
        "atd",
        &[
            "ATD",
            "alternatives to detention",
            "alternative to detention",
        ],
        "alternatives detention",
    ),
    (
        "iris",
        &["IRIS", "International Recruitment Integrity System"],
        "international recruitment integrity system fair recruitment",
    ),
    (
        "egm",
        &["EGM", "expert group meeting"],
        "expert group meeting",
    ),
    (
        "pdo",
        &["PDO", "pre-departure orientation"],
        "predeparture orientation",
    ),
    (
        "rsd",
        &["RSD", "refugee status determination"],
        "refugee status determination",
    ),
    (
        "swp",
        &[
            "SWP",
            "Seasonal Worker Programme",
            "Seasonal Worker Program",
        ],
        "seasonal worker programme",
    ),
    (
        "rse",
        &[
            "RSE",
            "Recognised Seasonal Employer",
            "Recognized Seasonal Employer",
        ],
        "recognised seasonal employer",
    ),
    (
        "palm",
        &["PALM", "Pacific Australia Labour Mobility"],
        "pacific australia labour mobility",
    ),
];

/// Words and phrases that mean the same for comparing activities, and the canonical word
/// they become. Mostly the form of an event (a "workshop" is a "training" whatever the
/// organizer calls it), the kind of study, and spelling or naming variants.
const SYNONYMS: &[(&str, &str)] = &[
    ("workshop", "training"),
    ("workshops", "training"),
    ("seminar", "training"),
    ("seminars", "training"),
    ("course", "training"),
    ("courses", "training"),
    ("capacity building", "training"),
    ("capacity development", "training"),
    ("trainings", "training"),
    ("training", "training"),
    ("refresher", "training"),
    ("briefing", "training"),
    ("briefings", "training"),
    ("consultation", "dialogue"),
    ("consultations", "dialogue"),
    ("roundtable", "dialogue"),
    ("round table", "dialogue"),
    ("dialogue", "dialogue"),
    ("forum", "conference"),
    ("summit", "conference"),
    ("symposium", "conference"),
    ("research", "study"),
    ("assessment", "study"),
    ("analysis", "study"),
    ("review", "study"),
    ("mapping", "study"),
    ("scoping", "study"),
    ("situation analysis", "study"),
    ("project", "programme"),
    ("program", "programme"),
    ("programs", "programme"),
    ("initiative", "programme"),
    ("technical assistance", "assistance"),
    ("technical support", "assistance"),
    ("advisory", "assistance"),
    ("advice", "assistance"),
    ("children", "child"),
    ("kids", "child"),
    ("minors", "child"),
    ("women", "woman"),
    ("female", "woman"),
    ("girls", "girl"),
    ("returnees", "returnee"),
    ("returning migrants", "returnee"),
    ("returned migrants", "returnee"),
    ("returning migrant workers", "returnee"),
    ("trafficked", "trafficking"),
    ("traffickers", "trafficking"),
    ("trafficker", "trafficking"),
    ("anti trafficking", "trafficking"),
    ("counter trafficking", "trafficking"),
    ("human trafficking", "trafficking"),
    ("people trafficking", "trafficking"),
    ("smuggled", "smuggling"),
    ("smugglers", "smuggling"),
    ("smuggler", "smuggling"),
    ("labor", "labour"),
    ("counseling", "counselling"),
    ("center", "centre"),
    ("centers", "centre"),
    ("centres", "centre"),
    ("housemaids", "domestic worker"),
    ("housemaid", "domestic worker"),
    ("migrant domestic workers", "domestic worker"),
    ("pre departure", "predeparture"),
    ("departure", "predeparture"),
    ("remittances", "remittance"),
    ("money transfer", "remittance"),
    ("money transfers", "remittance"),
    ("sending money home", "remittance"),
    ("money home", "remittance"),
    ("statistics", "statistic"),
    ("statistical", "statistic"),
    ("recruitment agencies", "recruitment agency"),
    ("labour export companies", "recruitment agency"),
    ("manpower agencies", "recruitment agency"),
    ("employment agencies", "recruitment agency"),
    ("agencies", "agency"),
    ("ethical recruitment", "fair recruitment"),
    ("legal assistance", "legal aid"),
    ("legal counselling", "legal aid"),
    ("legal counseling", "legal aid"),
    ("legal advice", "legal aid"),
    ("camp management", "site management"),
    ("ha noi", "hanoi"),
    ("port vila", "portvila"),
    ("nur sultan", "astana"),
    ("ho chi minh city", "hochiminh"),
    ("ho chi minh", "hochiminh"),
    ("phnom penh", "phnompenh"),
    ("kuala lumpur", "kualalumpur"),
    ("first", "first"),
    ("1st", "first"),
    ("2nd", "second"),
    ("3rd", "third"),
    ("4th", "fourth"),
    ("5th", "fifth"),
    ("6th", "sixth"),
    ("7th", "seventh"),
    ("8th", "eighth"),
    ("9th", "ninth"),
    ("10th", "tenth"),
];

/// Names of the default member organizations in several languages, and their code. The
/// caller can add the aliases of its own membership (see
/// [`crate::view::overlap::OverlapCandidate::from_report_with_aliases`]).
pub const ORGANIZATION_NAMES: &[(&str, &str)] = &[
    ("ESCAP", "ESCAP"),
    ("UNESCAP", "ESCAP"),
    ("UN ESCAP", "ESCAP"),
    (
        "Economic and Social Commission for Asia and the Pacific",
        "ESCAP",
    ),
    ("CESAP", "ESCAP"),
    ("IOM", "IOM"),
    ("OIM", "IOM"),
    ("МОМ", "IOM"),
    ("International Organization for Migration", "IOM"),
    ("International Organisation for Migration", "IOM"),
    ("Organisation internationale pour les migrations", "IOM"),
    ("Organización Internacional para las Migraciones", "IOM"),
    ("Международная организация по миграции", "IOM"),
    ("ILO", "ILO"),
    ("OIT", "ILO"),
    ("МОТ", "ILO"),
    ("International Labour Organization", "ILO"),
    ("International Labour Office", "ILO"),
    ("Organisation internationale du Travail", "ILO"),
    ("Organización Internacional del Trabajo", "ILO"),
    ("Международная организация труда", "ILO"),
    ("UNHCR", "UNHCR"),
    ("HCR", "UNHCR"),
    ("UN Refugee Agency", "UNHCR"),
    ("United Nations High Commissioner for Refugees", "UNHCR"),
    ("УВКБ", "UNHCR"),
    ("UNICEF", "UNICEF"),
    ("United Nations Children's Fund", "UNICEF"),
    ("ЮНИСЕФ", "UNICEF"),
    ("UNODC", "UNODC"),
    ("ONUDC", "UNODC"),
    ("УНП ООН", "UNODC"),
    ("United Nations Office on Drugs and Crime", "UNODC"),
    ("UNDP", "UNDP"),
    ("PNUD", "UNDP"),
    ("ПРООН", "UNDP"),
    ("United Nations Development Programme", "UNDP"),
    ("UNFPA", "UNFPA"),
    ("ЮНФПА", "UNFPA"),
    ("United Nations Population Fund", "UNFPA"),
    ("UN-Women", "UN-Women"),
    ("UN Women", "UN-Women"),
    ("UNWomen", "UN-Women"),
    ("UNIFEM", "UN-Women"),
    ("ONU Femmes", "UN-Women"),
    ("ONU Mujeres", "UN-Women"),
    ("ООН-Женщины", "UN-Women"),
    ("UNESCO", "UNESCO"),
    ("ЮНЕСКО", "UNESCO"),
    ("WHO", "WHO"),
    ("OMS", "WHO"),
    ("ВОЗ", "WHO"),
    ("World Health Organization", "WHO"),
    ("UNAIDS", "UNAIDS"),
    ("ONUSIDA", "UNAIDS"),
    ("ЮНЭЙДС", "UNAIDS"),
    ("OHCHR", "OHCHR"),
    ("HCDH", "OHCHR"),
    ("УВКПЧ", "OHCHR"),
    ("Office of the High Commissioner for Human Rights", "OHCHR"),
    ("UN-Habitat", "UN-Habitat"),
    ("UN Habitat", "UN-Habitat"),
    ("ONU-Habitat", "UN-Habitat"),
    ("ООН-Хабитат", "UN-Habitat"),
    ("UNIAP", "UNIAP"),
    (
        "United Nations Inter-Agency Project on Human Trafficking",
        "UNIAP",
    ),
];

/// A compiled phrase: the translated words it is made of.
struct Phrase {
    words: Vec<String>,
    rewrite: Rewrite,
}

/// The words of a phrase as the pipeline sees them: folded and translated.
fn phrase_words(phrase: &str) -> Vec<String> {
    folded_words(phrase).iter().map(|w| translated(w)).collect()
}

/// Every rewrite phrase, compiled once, filed under its first word; under each word the
/// longest phrase comes first (so that "capacity building" wins over a one-word rule).
fn phrases() -> &'static HashMap<String, Vec<Phrase>> {
    static PHRASES: OnceLock<HashMap<String, Vec<Phrase>>> = OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut all: Vec<Phrase> = Vec::new();
        for (term, forms, expansion) in ACRONYMS {
            for form in *forms {
                all.push(Phrase {
                    words: phrase_words(form),
                    rewrite: Rewrite::Acronym(term, expansion),
                });
            }
        }
        for (form, canonical) in SYNONYMS {
            all.push(Phrase {
                words: phrase_words(form),
                rewrite: Rewrite::Synonym(canonical),
            });
        }
        for (name, code) in ORGANIZATION_NAMES {
            all.push(Phrase {
                words: phrase_words(name),
                rewrite: Rewrite::Organization(code),
            });
        }
        all.retain(|phrase| !phrase.words.is_empty());
        // Stable: among phrases of one length, the table order above decides.
        all.sort_by_key(|phrase| std::cmp::Reverse(phrase.words.len()));
        let mut by_first_word: HashMap<String, Vec<Phrase>> = HashMap::new();
        for phrase in all {
            by_first_word
                .entry(phrase.words[0].clone())
                .or_default()
                .push(phrase);
        }
        by_first_word
    })
}

/// The organization code of an `org:` term's name ("ilo" → "ILO").
fn organization_term(code: &str) -> String {
    format!("{ORGANIZATION_PREFIX}{}", code.to_lowercase())
}

/// Rewrites acronyms, synonyms and organization names in a translated word list.
fn rewrite_phrases(words: &[String]) -> Vec<Word> {
    let mut out = Vec::with_capacity(words.len());
    let mut index = 0;
    'outer: while index < words.len() {
        for phrase in phrases().get(&words[index]).into_iter().flatten() {
            let end = index + phrase.words.len();
            if end <= words.len() && words[index..end] == phrase.words[..] {
                match &phrase.rewrite {
                    Rewrite::Acronym(term, expansion) => {
                        out.push(Word::new(format!("{ACRONYM_PREFIX}{term}")));
                        out.extend(expansion.split(' ').map(Word::expansion));
                    }
                    Rewrite::Synonym(canonical) => {
                        out.extend(canonical.split(' ').map(Word::new));
                    }
                    Rewrite::Organization(code) => out.push(Word::new(organization_term(code))),
                }
                index = end;
                continue 'outer;
            }
        }
        out.push(Word::new(words[index].clone()));
        index += 1;
    }
    out
}

/// A word on its way through the pipeline: the term it becomes, and the form a person
/// would recognise (before stemming).
struct Word {
    term: String,
    surface: String,
    /// 1, or [`EXPANSION_FACTOR`] for a word an acronym stands for.
    factor: f64,
}

/// How much the words an acronym stands for count, against words written out: they let
/// "GFMD" meet a text that says "the Global Forum", without counting the one acronym
/// four times when both texts use it.
const EXPANSION_FACTOR: f64 = 0.5;

impl Word {
    fn new(text: impl Into<String>) -> Word {
        let surface = text.into();
        Word {
            term: surface.clone(),
            surface,
            factor: 1.0,
        }
    }

    fn expansion(text: &str) -> Word {
        Word {
            factor: EXPANSION_FACTOR,
            ..Word::new(text)
        }
    }
}

/// The member organizations a text names, by code (from [`ORGANIZATION_NAMES`] and the
/// `extra_aliases`, each `(alias, code)`).
pub fn organizations_named(text: &str, extra_aliases: &[(String, String)]) -> HashSet<String> {
    let words: Vec<String> = folded_words(text).iter().map(|w| translated(w)).collect();
    let mut named: HashSet<String> = rewrite_phrases(&words)
        .iter()
        .filter_map(|word| word.term.strip_prefix(ORGANIZATION_PREFIX))
        .filter_map(|lower| {
            ORGANIZATION_NAMES
                .iter()
                .find(|(_, code)| code.to_lowercase() == lower)
                .map(|(_, code)| (*code).to_string())
        })
        .collect();
    for (alias, code) in extra_aliases {
        let alias_words = phrase_words(alias);
        if !alias_words.is_empty()
            && words
                .windows(alias_words.len())
                .any(|window| window == alias_words.as_slice())
        {
            named.insert(code.clone());
        }
    }
    named
}

// ---------------------------------------------------------------------------------------
// Step 4: stemming
// ---------------------------------------------------------------------------------------

/// British spelling and light English stemming of a lower-case ASCII word, so that the
/// forms of one word meet: first the inflection (plurals "workers" → "worker", "studies" →
/// "study"; "-ing" and "-ed": "trafficked" and "trafficking" → "traffick"), then one
/// derivation that joins a verb and its noun ("certify", "certified", "certification" →
/// "certif"; "organise", "organisation" → "organis"; "recruit", "recruitment" → "recruit";
/// "return", "returnee" → "return"). "-ization" is spelled "-isation" first. Words of three
/// letters or fewer, non-ASCII words and `acr:`/`org:` terms are left alone, and no suffix
/// is removed that would leave fewer than four letters.
pub fn stem(word: &str) -> String {
    if word.contains(':') || !word.bytes().all(|b| b.is_ascii_lowercase()) || word.len() <= 3 {
        return word.to_string();
    }
    let british = word
        .replace("ization", "isation")
        .replace("izing", "ising")
        .replace("ized", "ised");
    let long_enough = |base: &str| base.len() >= 4;
    let inflected = if let Some(base) = british.strip_suffix("ies").filter(|b| b.len() >= 3) {
        format!("{base}y")
    } else if let Some(base) = british.strip_suffix("ied").filter(|b| b.len() >= 3) {
        format!("{base}y")
    } else if let Some(base) = british.strip_suffix("ing").filter(|b| long_enough(b)) {
        base.to_string()
    } else if let Some(base) = british.strip_suffix("ed").filter(|b| long_enough(b)) {
        base.to_string()
    } else if british.ends_with('s')
        && !british.ends_with("ss")
        && !british.ends_with("us")
        && !british.ends_with("is")
        && british.len() > 4
    {
        british[..british.len() - 1].to_string()
    } else {
        british
    };
    const DERIVATIONS: &[(&str, &str)] = &[
        ("ification", "if"),
        ("ify", "if"),
        ("isation", "is"),
        ("ise", "is"),
        ("ment", ""),
        ("ee", ""),
    ];
    for (suffix, replacement) in DERIVATIONS {
        if let Some(base) = inflected.strip_suffix(suffix).filter(|b| long_enough(b)) {
            return format!("{base}{replacement}");
        }
    }
    inflected
}

// ---------------------------------------------------------------------------------------
// Step 5: stop words, places, generic words
// ---------------------------------------------------------------------------------------

/// Function words of English (beyond the search index's own list), French, Spanish and
/// Russian: they say nothing about an activity.
const STOP_WORDS: &[&str] = &[
    // English
    "this",
    "that",
    "these",
    "those",
    "their",
    "his",
    "her",
    "it",
    "as",
    "or",
    "be",
    "was",
    "were",
    "has",
    "have",
    "had",
    "also",
    "into",
    "under",
    "over",
    "between",
    "through",
    "within",
    "after",
    "before",
    "during",
    "who",
    "which",
    "while",
    "new",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "more",
    "all",
    "other",
    "such",
    "each",
    "both",
    "own",
    "not",
    "but",
    "than",
    "then",
    "there",
    "them",
    "they",
    "we",
    "our",
    "can",
    "may",
    "will",
    "about",
    "across",
    "against",
    "up",
    "out",
    "via",
    "how",
    "what",
    "when",
    "where",
    "why",
    "whose",
    "held",
    "took",
    "part",
    "well",
    "same",
    "its",
    "per",
    "day",
    "days",
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "among",
    "including",
    "include",
    "included",
    "based",
    "using",
    "use",
    "used",
    "so",
    "if",
    "any",
    "some",
    "many",
    "most",
    "several",
    "ahead",
    "further",
    "later",
    "earlier",
    "then",
    "still",
    "only",
    "un",
    "united",
    "nations",
    "no",
    "anti",
    "counter",
    "nd",
    "th",
    "st",
    "rd",
    // French
    "le",
    "la",
    "les",
    "des",
    "du",
    "de",
    "et",
    "en",
    "sur",
    "pour",
    "avec",
    "dans",
    "au",
    "aux",
    "par",
    "une",
    "un",
    "est",
    "sont",
    "leur",
    "leurs",
    "ses",
    "son",
    "sa",
    "ce",
    "ces",
    "qui",
    "que",
    "dont",
    "ou",
    "il",
    "elle",
    "ils",
    "elles",
    "se",
    "plus",
    "lors",
    "entre",
    "apres",
    "avant",
    // Spanish
    "el",
    "los",
    "las",
    "del",
    "y",
    "para",
    "con",
    "por",
    "que",
    "sobre",
    "al",
    "su",
    "sus",
    "entre",
    "como",
    "desde",
    "hacia",
    // Russian
    "и",
    "в",
    "на",
    "по",
    "для",
    "с",
    "о",
    "об",
    "к",
    "от",
    "до",
    "из",
    "за",
    "при",
    "их",
    "его",
    "ее",
    "её",
    "как",
    "что",
    "это",
    "или",
    "также",
    "а",
    "не",
    "во",
    "со",
];

/// Words frequent in every report of this domain, or about the form of an activity rather
/// than its subject: they count a quarter of what their document frequency says (a small
/// corpus cannot know that "training" says nothing about a subject).
const GENERIC_TERMS: &[&str] = &[
    "migration",
    "migrant",
    "international",
    "regional",
    "region",
    "national",
    "development",
    "support",
    "programme",
    "activity",
    "government",
    "official",
    "ministry",
    "department",
    "office",
    "agency",
    "organisation",
    "meeting",
    "conference",
    "training",
    "dialogue",
    "study",
    "report",
    "assistance",
    "work",
    "service",
    "countri",
    "country",
    "asia",
    "pacific",
    "south",
    "east",
    "southeast",
    "eastern",
    "western",
    "northern",
    "southern",
    "central",
    "north",
    "west",
    "protection",
    "right",
    "worker",
    "people",
    "person",
    "participant",
    "partner",
    "member",
    "state",
    "group",
    "session",
    "expert",
    "policy",
    "implementation",
    "strengthen",
    "strengthening",
    "improve",
    "improving",
    "promote",
    "promoting",
    "provide",
    "providing",
    "present",
    "presented",
    "organise",
    "organised",
    "organization",
    "held",
    "joint",
    "contribution",
    "participation",
    "co",
    "organised",
    "hosted",
    "host",
    "local",
    "provincial",
    "province",
    "district",
    "city",
    "area",
    "issue",
    "challenge",
    "recommendation",
    "framework",
    "mechanism",
    "institution",
    "capacity",
    "stakeholder",
    "civil",
    "society",
    "ngo",
    "ngos",
    "global",
    "world",
    "annual",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "high",
    "level",
    "senior",
    "approach",
    "system",
    "plan",
    "action",
    "information",
    "use",
    "safe",
    "safety",
];

/// Demonyms and short place words that the country names of the vocabulary do not give.
const PLACE_WORDS: &[&str] = &[
    "thai",
    "cambodian",
    "khmer",
    "lao",
    "laotian",
    "vietnamese",
    "filipino",
    "filipinos",
    "philippine",
    "indonesian",
    "malaysian",
    "myanmar",
    "burmese",
    "nepali",
    "nepalese",
    "bangladeshi",
    "sri",
    "lanka",
    "lankan",
    "lankans",
    "indian",
    "pakistani",
    "afghan",
    "chinese",
    "korean",
    "korea",
    "japanese",
    "mongolian",
    "kazakh",
    "kyrgyz",
    "tajik",
    "uzbek",
    "turkmen",
    "fijian",
    "tongan",
    "samoan",
    "ni",
    "vanuatu",
    "timorese",
    "russian",
    "russia",
    "australian",
    "zealand",
    "asean",
    "asian",
    "mekong",
    "gulf",
    "arab",
    "viet",
    "nam",
    "republic",
    "democratic",
    "people",
    "islamic",
    "federation",
    "kingdom",
    "pdr",
    "greater",
    "subregion",
    "sub",
    "subregional",
    "islands",
    "island",
];

/// Stop words, matched against words before stemming.
fn stop_words() -> &'static HashSet<&'static str> {
    static STOP: OnceLock<HashSet<&'static str>> = OnceLock::new();
    STOP.get_or_init(|| STOP_WORDS.iter().copied().collect())
}

/// Place words (demonyms, country names), matched against stemmed terms.
fn place_terms() -> &'static HashSet<String> {
    static PLACES: OnceLock<HashSet<String>> = OnceLock::new();
    PLACES.get_or_init(|| {
        let mut stop: HashSet<String> = HashSet::new();
        for word in PLACE_WORDS {
            stop.insert(stem(word));
        }
        // Country names ("Thailand", "Viet Nam", "Korea, Republic of") say where, which
        // the coded countries compare better.
        for country in countries() {
            for word in folded_words(country.name) {
                stop.insert(stem(&word));
            }
        }
        stop
    })
}

fn generic_terms() -> &'static HashSet<String> {
    static GENERIC: OnceLock<HashSet<String>> = OnceLock::new();
    GENERIC.get_or_init(|| GENERIC_TERMS.iter().map(|w| stem(w)).collect())
}

/// True for terms that weigh a quarter by default (see [`GENERIC_TERMS`]).
pub fn is_generic_term(term: &str) -> bool {
    generic_terms().contains(term)
}

fn is_year(term: &str) -> bool {
    term.len() == 4
        && term.bytes().all(|b| b.is_ascii_digit())
        && (b"19".contains(&term.as_bytes()[0]) || term.starts_with("20"))
}

/// The terms of a text, through the whole pipeline of this module (see its
/// documentation), in order, with repeats, `org:` terms included.
pub fn text_terms(text: &str) -> Vec<String> {
    terms_with_surfaces(text)
        .into_iter()
        .map(|(term, ..)| term)
        .collect()
}

/// [`text_terms`], each with the form a person recognises ("traffick" from "trafficking").
fn terms_with_surfaces(text: &str) -> Vec<(String, String, f64)> {
    let translated_words: Vec<String> = folded_words(text).iter().map(|w| translated(w)).collect();
    rewrite_phrases(&translated_words)
        .into_iter()
        .filter(|word| !stop_words().contains(word.surface.as_str()))
        .map(|word| (stem(&word.term), word.surface, word.factor))
        .filter(|(term, ..)| !place_terms().contains(term) && !is_year(term))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Term vectors and the similarity measure
// ---------------------------------------------------------------------------------------

/// How much a term found in a title counts, against one found only in a summary: titles
/// name the activity, summaries describe it with many incidental words.
pub const TITLE_WEIGHT: f64 = 1.0;
/// See [`TITLE_WEIGHT`].
pub const SUMMARY_WEIGHT: f64 = 0.5;

/// A report's terms, each with the weight of the most telling field it appears in
/// (title or summary, in any language); a term repeated in several languages counts once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermWeights {
    weights: BTreeMap<String, f64>,
    /// The first surface form seen for each term, for display.
    surfaces: BTreeMap<String, String>,
}

impl TermWeights {
    /// The terms of titles and summaries in all their languages. `org:` terms are left
    /// out (see [`ORGANIZATION_PREFIX`]).
    pub fn from_texts(titles: &[LocalizedText], summaries: &[LocalizedText]) -> TermWeights {
        let mut weights: BTreeMap<String, f64> = BTreeMap::new();
        let mut surfaces: BTreeMap<String, String> = BTreeMap::new();
        let fields = titles
            .iter()
            .map(|t| (t, TITLE_WEIGHT))
            .chain(summaries.iter().map(|s| (s, SUMMARY_WEIGHT)));
        for (text, field_weight) in fields {
            for (term, surface, factor) in terms_with_surfaces(&text.text) {
                if term.starts_with(ORGANIZATION_PREFIX) {
                    continue;
                }
                surfaces.entry(term.clone()).or_insert(surface);
                let weight = weights.entry(term).or_insert(0.0);
                *weight = weight.max(field_weight * factor);
            }
        }
        TermWeights { weights, surfaces }
    }

    /// The form of `term` a person recognises: the word as first written (folded, before
    /// stemming), or the acronym in capitals.
    pub fn display(&self, term: &str) -> String {
        if term.starts_with(ACRONYM_PREFIX) {
            return display_term(term);
        }
        self.surfaces
            .get(term)
            .cloned()
            .unwrap_or_else(|| term.to_string())
    }

    /// The terms and their field weights.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.weights
            .iter()
            .map(|(term, weight)| (term.as_str(), *weight))
    }

    /// True when the report has no term at all.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The number of distinct terms.
    pub fn len(&self) -> usize {
        self.weights.len()
    }
}

/// How many documents contain each term: the caller builds it from the reports it holds
/// (every report once, with [`DocumentFrequencies::add`]), so that words common in its
/// corpus weigh little and rare ones much.
#[derive(Debug, Clone, Default)]
pub struct DocumentFrequencies {
    documents: u64,
    counts: HashMap<String, u64>,
}

impl DocumentFrequencies {
    /// An empty table.
    pub fn new() -> DocumentFrequencies {
        DocumentFrequencies::default()
    }

    /// Counts one document's terms.
    pub fn add(&mut self, terms: &TermWeights) {
        self.documents += 1;
        for (term, _) in terms.iter() {
            *self.counts.entry(term.to_string()).or_insert(0) += 1;
        }
    }

    /// Forgets one document's terms (when a report is revised or withdrawn).
    pub fn remove(&mut self, terms: &TermWeights) {
        self.documents = self.documents.saturating_sub(1);
        for (term, _) in terms.iter() {
            if let Some(count) = self.counts.get_mut(term) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.counts.remove(term);
                }
            }
        }
    }

    /// The number of documents counted.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// The number of counted documents holding `term`.
    pub fn count(&self, term: &str) -> u64 {
        self.counts.get(term).copied().unwrap_or(0)
    }

    /// Inverse document frequency, `ln(1 + N / df)`, with `df` at least 1 (a term of the
    /// compared report is in at least that document). About 0.7 for a term in every
    /// document, 5 for a term in one of a hundred.
    pub fn idf(&self, term: &str) -> f64 {
        let documents = self.documents.max(1) as f64;
        let count = self.count(term).max(1) as f64;
        (1.0 + documents / count).ln()
    }
}

/// The weight of a term in the comparison: its inverse document frequency (or 1 without a
/// table), times a quarter for [`GENERIC_TERMS`].
pub fn term_weight(term: &str, frequencies: Option<&DocumentFrequencies>) -> f64 {
    let idf = frequencies.map_or(1.0, |table| table.idf(term));
    if is_generic_term(term) {
        idf * 0.25
    } else {
        idf
    }
}

/// The similarity of two reports' texts, and the shared terms that made it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextSimilarity {
    /// Cosine of the weighted term vectors, in [0, 1].
    pub score: f64,
    /// The shared terms, most telling first, with their share of the score.
    pub shared: Vec<(String, f64)>,
}

/// Cosine similarity of two term vectors, each term weighted by its field weight times
/// [`term_weight`].
pub fn similarity(
    a: &TermWeights,
    b: &TermWeights,
    frequencies: Option<&DocumentFrequencies>,
) -> TextSimilarity {
    let (left, right) = (
        weighted_vector(a, frequencies),
        weighted_vector(b, frequencies),
    );
    let norm = |v: &BTreeMap<&str, f64>| v.values().map(|x| x * x).sum::<f64>().sqrt();
    let denominator = norm(&left) * norm(&right);
    if denominator == 0.0 {
        return TextSimilarity::default();
    }
    let mut shared: Vec<(String, f64)> = left
        .iter()
        .filter_map(|(term, x)| {
            right
                .get(term)
                .map(|y| (term.to_string(), x * y / denominator))
        })
        .collect();
    shared.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    let score = shared
        .iter()
        .map(|(_, part)| part)
        .sum::<f64>()
        .clamp(0.0, 1.0);
    TextSimilarity { score, shared }
}

/// A report's terms weighted for the comparison.
fn weighted_vector<'a>(
    terms: &'a TermWeights,
    frequencies: Option<&DocumentFrequencies>,
) -> BTreeMap<&'a str, f64> {
    terms
        .iter()
        .map(|(term, field)| (term, field * term_weight(term, frequencies)))
        .collect()
}

/// A term as a person reads it: an acronym term as its first form in [`ACRONYMS`]
/// (`acr:gfmd` → "GFMD", `acr:baliprocess` → "Bali Process"); other terms as they are.
pub fn display_term(term: &str) -> String {
    let Some(acronym) = term.strip_prefix(ACRONYM_PREFIX) else {
        return term.to_string();
    };
    ACRONYMS
        .iter()
        .find(|(name, ..)| *name == acronym)
        .and_then(|(_, forms, _)| forms.first())
        .map_or_else(|| acronym.to_uppercase(), |form| (*form).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            lang: String::new(),
            text: s.to_string(),
        }
    }

    fn terms(s: &str) -> TermWeights {
        TermWeights::from_texts(&[text(s)], &[])
    }

    #[test]
    fn folding_keeps_order_and_repeats() {
        assert_eq!(
            folded_words("Réfugiés, réfugiés: the Migración"),
            ["refugies", "refugies", "migracion"]
        );
        assert_eq!(folded_words("COMMIT to commit"), ["acr:commit", "commit"]);
    }

    #[test]
    fn acronym_and_expansion_meet() {
        let short = text_terms("GFMD 2008 Manila");
        let long = text_terms("Global Forum on Migration and Development in Manila");
        assert!(short.contains(&"acr:gfmd".to_string()), "{short:?}");
        assert!(long.contains(&"acr:gfmd".to_string()), "{long:?}");
        let capital = text_terms("COMMIT senior officials");
        let spelled = text_terms("Coordinated Mekong Ministerial Initiative against Trafficking");
        assert!(capital.contains(&"acr:commit".to_string()), "{capital:?}");
        assert!(spelled.contains(&"acr:commit".to_string()), "{spelled:?}");
        assert!(!text_terms("governments commit to act").contains(&"acr:commit".to_string()));
    }

    #[test]
    fn synonyms_become_one_word() {
        for form in [
            "workshop",
            "Seminar",
            "training course",
            "capacity building",
        ] {
            assert!(text_terms(form).contains(&stem("training")), "{form}");
        }
        assert_eq!(
            text_terms("Workshops on labor"),
            [stem("training"), stem("labour")]
        );
        let weights = terms("Workshops for trafficked people");
        assert_eq!(weights.display(&stem("trafficking")), "trafficking");
        assert_eq!(weights.display("acr:gfmd"), "GFMD");
    }

    #[test]
    fn foreign_words_are_translated() {
        assert_eq!(text_terms("Étude sur les enfants"), ["study", "child"]);
        assert_eq!(
            text_terms("трудовой миграции"),
            ["labour", "migration"],
            "Russian stems"
        );
        assert_eq!(transliterated("алматы").as_deref(), Some("almaty"));
        assert_eq!(text_terms("Бишкек"), ["bishkek"]);
    }

    #[test]
    fn countries_years_and_stop_words_are_dropped() {
        assert_eq!(
            text_terms("Training for Cambodian police in Cambodia, 2007"),
            [stem("training"), "police".to_string()]
        );
        assert_eq!(
            text_terms("Viet Nam and the Lao People's Democratic Republic"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn stemming_is_light() {
        assert_eq!(stem("workers"), "worker");
        assert_eq!(stem("studies"), "study");
        assert_eq!(stem("trafficked"), "traffick");
        assert_eq!(stem("trafficking"), "traffick");
        assert_eq!(stem("urbanization"), stem("urbanisation"));
        for form in ["certify", "certified", "certification", "certifies"] {
            assert_eq!(stem(form), "certif", "{form}");
        }
        for form in ["identify", "identifying", "identification", "identified"] {
            assert_eq!(stem(form), "identif", "{form}");
        }
        assert_eq!(stem("returnees"), stem("return"));
        assert_eq!(stem("recruitment"), stem("recruiting"));
        assert_eq!(stem("organisation"), stem("organised"));
        assert_eq!(stem("process"), "process");
        assert_eq!(stem("acr:gfmd"), "acr:gfmd");
        assert_eq!(stem("bus"), "bus");
    }

    #[test]
    fn organizations_are_found_in_any_language() {
        let named = organizations_named("Co-organized with OIM and the МОТ", &[]);
        assert!(named.contains("IOM") && named.contains("ILO"), "{named:?}");
        let named = organizations_named("hosted by ADB and UNESCAP with UN Women", &[]);
        assert!(
            named.contains("ESCAP") && named.contains("UN-Women"),
            "{named:?}"
        );
        let extra = [("Asian Development Bank".to_string(), "ADB".to_string())];
        assert!(organizations_named("the Asian Development Bank hosted", &extra).contains("ADB"));
        assert!(organizations_named("nothing here", &[]).is_empty());
    }

    #[test]
    fn similarity_of_same_and_different_texts() {
        let a = terms("Training on identification of trafficking victims");
        let b = terms("Workshop on identifying victims of human trafficking");
        let c = terms("Household survey on remittances");
        let same = similarity(&a, &a, None);
        assert!((same.score - 1.0).abs() < 1e-9);
        let close = similarity(&a, &b, None);
        assert!(close.score > 0.5, "{close:?}");
        let shared: Vec<&str> = close.shared.iter().map(|(t, _)| t.as_str()).collect();
        for term in ["traffick", "identif", "victim", "train"] {
            assert!(shared.contains(&term), "{shared:?}");
        }
        // The form of the event weighs a quarter: it comes last.
        assert_eq!(shared.last(), Some(&"train"));
        let far = similarity(&a, &c, None);
        assert_eq!(far.score, 0.0);
        assert!(far.shared.is_empty());
        assert_eq!(similarity(&TermWeights::default(), &a, None).score, 0.0);
    }

    #[test]
    fn titles_weigh_more_than_summaries() {
        let t = TermWeights::from_texts(&[text("remittances")], &[text("remittances survey")]);
        let weights: BTreeMap<&str, f64> = t.iter().collect();
        assert_eq!(weights.get("remittance"), Some(&TITLE_WEIGHT));
        assert_eq!(weights.get("survey"), Some(&SUMMARY_WEIGHT));
    }

    #[test]
    fn document_frequencies_weigh_rare_terms_more() {
        let mut table = DocumentFrequencies::new();
        let common = terms("trafficking training");
        let rare = terms("trafficking junima");
        for _ in 0..9 {
            table.add(&common);
        }
        table.add(&rare);
        assert_eq!(table.documents(), 10);
        assert!(table.idf("acr:junima") > table.idf("traffick"));
        table.remove(&rare);
        assert_eq!(table.count("acr:junima"), 0);
        assert!(term_weight("migration", None) < term_weight("remittance", None));
    }

    #[test]
    fn display_terms() {
        assert_eq!(display_term("acr:gfmd"), "GFMD");
        assert_eq!(display_term("acr:baliprocess"), "Bali Process");
        assert_eq!(display_term("acr:unknown"), "UNKNOWN");
        assert_eq!(display_term("remittance"), "remittance");
    }
}
