//! The vocabularies that reports are coded with, shipped inside the binary as static tables.
//!
//! - **Countries**: every officially assigned ISO 3166-1 code (249), with alpha-2, alpha-3,
//!   numeric code, English short name and the UN M49 areas it belongs to. Reports store
//!   alpha-2; alpha-3 is accepted on input ([`country_alpha2`]).
//! - **Regions**: the UN M49 world, regions, sub-regions and intermediate regions (three-digit
//!   codes such as "142" Asia or "035" South-eastern Asia) with their hierarchy, plus the
//!   working group's own region "ESCAP": the 53 members and 9 associate members of the
//!   Economic and Social Commission for Asia and the Pacific ([`region`]).
//! - **Themes**, each a `{vocabulary, code}` pair ([`normalize_theme`]): "GCM" (Global Compact
//!   for Migration objectives 1 to 23), "SDG" (the 17 goals and 169 targets), "DAC" (OECD DAC
//!   CRS purpose codes and sector categories) and "RTWG" (the working group's own topics).
//! - **Target groups** ([`target_group`]).
//!
//! Sources: ISO 3166-1 as published in the `iso-codes` data (via pycountry); UN M49 as in the
//! OCHA Countries & Territories Taxonomy; SDG targets from the UN global indicator
//! framework; DAC codes as replicated by IATI's Sector and SectorCategory codelists
//! (withdrawn codes included, since older IATI files still carry them); ESCAP membership
//! from ESCAP's list of members and associate members. Labels of SDG targets are short
//! summaries, not the official wording.
//!
//! Every lookup accepts sloppy input (any case, surrounding spaces, common prefixes) and
//! answers with the canonical code, so that stored reports only ever hold canonical codes.

use super::Theme;

// ---------------------------------------------------------------------------------------
// Countries
// ---------------------------------------------------------------------------------------

/// A country or territory with an officially assigned ISO 3166-1 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code ("TH").
    pub alpha2: &'static str,
    /// ISO 3166-1 alpha-3 code ("THA").
    pub alpha3: &'static str,
    /// ISO 3166-1 numeric code, which is also its UN M49 code ("764").
    pub numeric: &'static str,
    /// ISO 3166-1 English short name ("Thailand", "Korea, Republic of").
    pub name: &'static str,
    /// UN M49 sub-region ("035" South-eastern Asia); `None` only for Antarctica, which M49
    /// places directly under the World.
    pub sub_region: Option<&'static str>,
    /// UN M49 intermediate region, where M49 has one ("014" Eastern Africa, "029"
    /// Caribbean, "830" Channel Islands).
    pub intermediate_region: Option<&'static str>,
}

impl Country {
    /// The UN M49 areas containing this country, from the most specific up to "001" World.
    pub fn m49_areas(&self) -> impl Iterator<Item = &'static str> + use<> {
        let first = self
            .intermediate_region
            .or(self.sub_region)
            .unwrap_or("001");
        std::iter::successors(Some(first), |code| m49_parent(code))
    }
}

const fn iso(
    alpha2: &'static str,
    alpha3: &'static str,
    numeric: &'static str,
    name: &'static str,
    sub_region: Option<&'static str>,
    intermediate_region: Option<&'static str>,
) -> Country {
    Country {
        alpha2,
        alpha3,
        numeric,
        name,
        sub_region,
        intermediate_region,
    }
}

/// Every ISO 3166-1 country, sorted by alpha-2 code (binary search relies on it).
static COUNTRIES: [Country; 249] = [
    iso("AD", "AND", "020", "Andorra", Some("039"), None),
    iso(
        "AE",
        "ARE",
        "784",
        "United Arab Emirates",
        Some("145"),
        None,
    ),
    iso("AF", "AFG", "004", "Afghanistan", Some("034"), None),
    iso(
        "AG",
        "ATG",
        "028",
        "Antigua and Barbuda",
        Some("419"),
        Some("029"),
    ),
    iso("AI", "AIA", "660", "Anguilla", Some("419"), Some("029")),
    iso("AL", "ALB", "008", "Albania", Some("039"), None),
    iso("AM", "ARM", "051", "Armenia", Some("145"), None),
    iso("AO", "AGO", "024", "Angola", Some("202"), Some("017")),
    iso("AQ", "ATA", "010", "Antarctica", None, None),
    iso("AR", "ARG", "032", "Argentina", Some("419"), Some("005")),
    iso("AS", "ASM", "016", "American Samoa", Some("061"), None),
    iso("AT", "AUT", "040", "Austria", Some("155"), None),
    iso("AU", "AUS", "036", "Australia", Some("053"), None),
    iso("AW", "ABW", "533", "Aruba", Some("419"), Some("029")),
    iso("AX", "ALA", "248", "Åland Islands", Some("154"), None),
    iso("AZ", "AZE", "031", "Azerbaijan", Some("145"), None),
    iso(
        "BA",
        "BIH",
        "070",
        "Bosnia and Herzegovina",
        Some("039"),
        None,
    ),
    iso("BB", "BRB", "052", "Barbados", Some("419"), Some("029")),
    iso("BD", "BGD", "050", "Bangladesh", Some("034"), None),
    iso("BE", "BEL", "056", "Belgium", Some("155"), None),
    iso("BF", "BFA", "854", "Burkina Faso", Some("202"), Some("011")),
    iso("BG", "BGR", "100", "Bulgaria", Some("151"), None),
    iso("BH", "BHR", "048", "Bahrain", Some("145"), None),
    iso("BI", "BDI", "108", "Burundi", Some("202"), Some("014")),
    iso("BJ", "BEN", "204", "Benin", Some("202"), Some("011")),
    iso(
        "BL",
        "BLM",
        "652",
        "Saint Barthélemy",
        Some("419"),
        Some("029"),
    ),
    iso("BM", "BMU", "060", "Bermuda", Some("021"), None),
    iso("BN", "BRN", "096", "Brunei Darussalam", Some("035"), None),
    iso(
        "BO",
        "BOL",
        "068",
        "Bolivia, Plurinational State of",
        Some("419"),
        Some("005"),
    ),
    iso(
        "BQ",
        "BES",
        "535",
        "Bonaire, Sint Eustatius and Saba",
        Some("419"),
        Some("029"),
    ),
    iso("BR", "BRA", "076", "Brazil", Some("419"), Some("005")),
    iso("BS", "BHS", "044", "Bahamas", Some("419"), Some("029")),
    iso("BT", "BTN", "064", "Bhutan", Some("034"), None),
    iso(
        "BV",
        "BVT",
        "074",
        "Bouvet Island",
        Some("419"),
        Some("005"),
    ),
    iso("BW", "BWA", "072", "Botswana", Some("202"), Some("018")),
    iso("BY", "BLR", "112", "Belarus", Some("151"), None),
    iso("BZ", "BLZ", "084", "Belize", Some("419"), Some("013")),
    iso("CA", "CAN", "124", "Canada", Some("021"), None),
    iso(
        "CC",
        "CCK",
        "166",
        "Cocos (Keeling) Islands",
        Some("053"),
        None,
    ),
    iso(
        "CD",
        "COD",
        "180",
        "Congo, The Democratic Republic of the",
        Some("202"),
        Some("017"),
    ),
    iso(
        "CF",
        "CAF",
        "140",
        "Central African Republic",
        Some("202"),
        Some("017"),
    ),
    iso("CG", "COG", "178", "Congo", Some("202"), Some("017")),
    iso("CH", "CHE", "756", "Switzerland", Some("155"), None),
    iso(
        "CI",
        "CIV",
        "384",
        "Côte d'Ivoire",
        Some("202"),
        Some("011"),
    ),
    iso("CK", "COK", "184", "Cook Islands", Some("061"), None),
    iso("CL", "CHL", "152", "Chile", Some("419"), Some("005")),
    iso("CM", "CMR", "120", "Cameroon", Some("202"), Some("017")),
    iso("CN", "CHN", "156", "China", Some("030"), None),
    iso("CO", "COL", "170", "Colombia", Some("419"), Some("005")),
    iso("CR", "CRI", "188", "Costa Rica", Some("419"), Some("013")),
    iso("CU", "CUB", "192", "Cuba", Some("419"), Some("029")),
    iso("CV", "CPV", "132", "Cabo Verde", Some("202"), Some("011")),
    iso("CW", "CUW", "531", "Curaçao", Some("419"), Some("029")),
    iso("CX", "CXR", "162", "Christmas Island", Some("053"), None),
    iso("CY", "CYP", "196", "Cyprus", Some("145"), None),
    iso("CZ", "CZE", "203", "Czechia", Some("151"), None),
    iso("DE", "DEU", "276", "Germany", Some("155"), None),
    iso("DJ", "DJI", "262", "Djibouti", Some("202"), Some("014")),
    iso("DK", "DNK", "208", "Denmark", Some("154"), None),
    iso("DM", "DMA", "212", "Dominica", Some("419"), Some("029")),
    iso(
        "DO",
        "DOM",
        "214",
        "Dominican Republic",
        Some("419"),
        Some("029"),
    ),
    iso("DZ", "DZA", "012", "Algeria", Some("015"), None),
    iso("EC", "ECU", "218", "Ecuador", Some("419"), Some("005")),
    iso("EE", "EST", "233", "Estonia", Some("154"), None),
    iso("EG", "EGY", "818", "Egypt", Some("015"), None),
    iso("EH", "ESH", "732", "Western Sahara", Some("015"), None),
    iso("ER", "ERI", "232", "Eritrea", Some("202"), Some("014")),
    iso("ES", "ESP", "724", "Spain", Some("039"), None),
    iso("ET", "ETH", "231", "Ethiopia", Some("202"), Some("014")),
    iso("FI", "FIN", "246", "Finland", Some("154"), None),
    iso("FJ", "FJI", "242", "Fiji", Some("054"), None),
    iso(
        "FK",
        "FLK",
        "238",
        "Falkland Islands (Malvinas)",
        Some("419"),
        Some("005"),
    ),
    iso(
        "FM",
        "FSM",
        "583",
        "Micronesia, Federated States of",
        Some("057"),
        None,
    ),
    iso("FO", "FRO", "234", "Faroe Islands", Some("154"), None),
    iso("FR", "FRA", "250", "France", Some("155"), None),
    iso("GA", "GAB", "266", "Gabon", Some("202"), Some("017")),
    iso("GB", "GBR", "826", "United Kingdom", Some("154"), None),
    iso("GD", "GRD", "308", "Grenada", Some("419"), Some("029")),
    iso("GE", "GEO", "268", "Georgia", Some("145"), None),
    iso(
        "GF",
        "GUF",
        "254",
        "French Guiana",
        Some("419"),
        Some("005"),
    ),
    iso("GG", "GGY", "831", "Guernsey", Some("154"), Some("830")),
    iso("GH", "GHA", "288", "Ghana", Some("202"), Some("011")),
    iso("GI", "GIB", "292", "Gibraltar", Some("039"), None),
    iso("GL", "GRL", "304", "Greenland", Some("021"), None),
    iso("GM", "GMB", "270", "Gambia", Some("202"), Some("011")),
    iso("GN", "GIN", "324", "Guinea", Some("202"), Some("011")),
    iso("GP", "GLP", "312", "Guadeloupe", Some("419"), Some("029")),
    iso(
        "GQ",
        "GNQ",
        "226",
        "Equatorial Guinea",
        Some("202"),
        Some("017"),
    ),
    iso("GR", "GRC", "300", "Greece", Some("039"), None),
    iso(
        "GS",
        "SGS",
        "239",
        "South Georgia and the South Sandwich Islands",
        Some("419"),
        Some("005"),
    ),
    iso("GT", "GTM", "320", "Guatemala", Some("419"), Some("013")),
    iso("GU", "GUM", "316", "Guam", Some("057"), None),
    iso(
        "GW",
        "GNB",
        "624",
        "Guinea-Bissau",
        Some("202"),
        Some("011"),
    ),
    iso("GY", "GUY", "328", "Guyana", Some("419"), Some("005")),
    iso("HK", "HKG", "344", "Hong Kong", Some("030"), None),
    iso(
        "HM",
        "HMD",
        "334",
        "Heard Island and McDonald Islands",
        Some("053"),
        None,
    ),
    iso("HN", "HND", "340", "Honduras", Some("419"), Some("013")),
    iso("HR", "HRV", "191", "Croatia", Some("039"), None),
    iso("HT", "HTI", "332", "Haiti", Some("419"), Some("029")),
    iso("HU", "HUN", "348", "Hungary", Some("151"), None),
    iso("ID", "IDN", "360", "Indonesia", Some("035"), None),
    iso("IE", "IRL", "372", "Ireland", Some("154"), None),
    iso("IL", "ISR", "376", "Israel", Some("145"), None),
    iso("IM", "IMN", "833", "Isle of Man", Some("154"), None),
    iso("IN", "IND", "356", "India", Some("034"), None),
    iso(
        "IO",
        "IOT",
        "086",
        "British Indian Ocean Territory",
        Some("202"),
        Some("014"),
    ),
    iso("IQ", "IRQ", "368", "Iraq", Some("145"), None),
    iso(
        "IR",
        "IRN",
        "364",
        "Iran, Islamic Republic of",
        Some("034"),
        None,
    ),
    iso("IS", "ISL", "352", "Iceland", Some("154"), None),
    iso("IT", "ITA", "380", "Italy", Some("039"), None),
    iso("JE", "JEY", "832", "Jersey", Some("154"), Some("830")),
    iso("JM", "JAM", "388", "Jamaica", Some("419"), Some("029")),
    iso("JO", "JOR", "400", "Jordan", Some("145"), None),
    iso("JP", "JPN", "392", "Japan", Some("030"), None),
    iso("KE", "KEN", "404", "Kenya", Some("202"), Some("014")),
    iso("KG", "KGZ", "417", "Kyrgyzstan", Some("143"), None),
    iso("KH", "KHM", "116", "Cambodia", Some("035"), None),
    iso("KI", "KIR", "296", "Kiribati", Some("057"), None),
    iso("KM", "COM", "174", "Comoros", Some("202"), Some("014")),
    iso(
        "KN",
        "KNA",
        "659",
        "Saint Kitts and Nevis",
        Some("419"),
        Some("029"),
    ),
    iso(
        "KP",
        "PRK",
        "408",
        "Korea, Democratic People's Republic of",
        Some("030"),
        None,
    ),
    iso("KR", "KOR", "410", "Korea, Republic of", Some("030"), None),
    iso("KW", "KWT", "414", "Kuwait", Some("145"), None),
    iso(
        "KY",
        "CYM",
        "136",
        "Cayman Islands",
        Some("419"),
        Some("029"),
    ),
    iso("KZ", "KAZ", "398", "Kazakhstan", Some("143"), None),
    iso(
        "LA",
        "LAO",
        "418",
        "Lao People's Democratic Republic",
        Some("035"),
        None,
    ),
    iso("LB", "LBN", "422", "Lebanon", Some("145"), None),
    iso("LC", "LCA", "662", "Saint Lucia", Some("419"), Some("029")),
    iso("LI", "LIE", "438", "Liechtenstein", Some("155"), None),
    iso("LK", "LKA", "144", "Sri Lanka", Some("034"), None),
    iso("LR", "LBR", "430", "Liberia", Some("202"), Some("011")),
    iso("LS", "LSO", "426", "Lesotho", Some("202"), Some("018")),
    iso("LT", "LTU", "440", "Lithuania", Some("154"), None),
    iso("LU", "LUX", "442", "Luxembourg", Some("155"), None),
    iso("LV", "LVA", "428", "Latvia", Some("154"), None),
    iso("LY", "LBY", "434", "Libya", Some("015"), None),
    iso("MA", "MAR", "504", "Morocco", Some("015"), None),
    iso("MC", "MCO", "492", "Monaco", Some("155"), None),
    iso(
        "MD",
        "MDA",
        "498",
        "Moldova, Republic of",
        Some("151"),
        None,
    ),
    iso("ME", "MNE", "499", "Montenegro", Some("039"), None),
    iso(
        "MF",
        "MAF",
        "663",
        "Saint Martin (French part)",
        Some("419"),
        Some("029"),
    ),
    iso("MG", "MDG", "450", "Madagascar", Some("202"), Some("014")),
    iso("MH", "MHL", "584", "Marshall Islands", Some("057"), None),
    iso("MK", "MKD", "807", "North Macedonia", Some("039"), None),
    iso("ML", "MLI", "466", "Mali", Some("202"), Some("011")),
    iso("MM", "MMR", "104", "Myanmar", Some("035"), None),
    iso("MN", "MNG", "496", "Mongolia", Some("030"), None),
    iso("MO", "MAC", "446", "Macao", Some("030"), None),
    iso(
        "MP",
        "MNP",
        "580",
        "Northern Mariana Islands",
        Some("057"),
        None,
    ),
    iso("MQ", "MTQ", "474", "Martinique", Some("419"), Some("029")),
    iso("MR", "MRT", "478", "Mauritania", Some("202"), Some("011")),
    iso("MS", "MSR", "500", "Montserrat", Some("419"), Some("029")),
    iso("MT", "MLT", "470", "Malta", Some("039"), None),
    iso("MU", "MUS", "480", "Mauritius", Some("202"), Some("014")),
    iso("MV", "MDV", "462", "Maldives", Some("034"), None),
    iso("MW", "MWI", "454", "Malawi", Some("202"), Some("014")),
    iso("MX", "MEX", "484", "Mexico", Some("419"), Some("013")),
    iso("MY", "MYS", "458", "Malaysia", Some("035"), None),
    iso("MZ", "MOZ", "508", "Mozambique", Some("202"), Some("014")),
    iso("NA", "NAM", "516", "Namibia", Some("202"), Some("018")),
    iso("NC", "NCL", "540", "New Caledonia", Some("054"), None),
    iso("NE", "NER", "562", "Niger", Some("202"), Some("011")),
    iso("NF", "NFK", "574", "Norfolk Island", Some("053"), None),
    iso("NG", "NGA", "566", "Nigeria", Some("202"), Some("011")),
    iso("NI", "NIC", "558", "Nicaragua", Some("419"), Some("013")),
    iso("NL", "NLD", "528", "Netherlands", Some("155"), None),
    iso("NO", "NOR", "578", "Norway", Some("154"), None),
    iso("NP", "NPL", "524", "Nepal", Some("034"), None),
    iso("NR", "NRU", "520", "Nauru", Some("057"), None),
    iso("NU", "NIU", "570", "Niue", Some("061"), None),
    iso("NZ", "NZL", "554", "New Zealand", Some("053"), None),
    iso("OM", "OMN", "512", "Oman", Some("145"), None),
    iso("PA", "PAN", "591", "Panama", Some("419"), Some("013")),
    iso("PE", "PER", "604", "Peru", Some("419"), Some("005")),
    iso("PF", "PYF", "258", "French Polynesia", Some("061"), None),
    iso("PG", "PNG", "598", "Papua New Guinea", Some("054"), None),
    iso("PH", "PHL", "608", "Philippines", Some("035"), None),
    iso("PK", "PAK", "586", "Pakistan", Some("034"), None),
    iso("PL", "POL", "616", "Poland", Some("151"), None),
    iso(
        "PM",
        "SPM",
        "666",
        "Saint Pierre and Miquelon",
        Some("021"),
        None,
    ),
    iso("PN", "PCN", "612", "Pitcairn", Some("061"), None),
    iso("PR", "PRI", "630", "Puerto Rico", Some("419"), Some("029")),
    iso("PS", "PSE", "275", "Palestine, State of", Some("145"), None),
    iso("PT", "PRT", "620", "Portugal", Some("039"), None),
    iso("PW", "PLW", "585", "Palau", Some("057"), None),
    iso("PY", "PRY", "600", "Paraguay", Some("419"), Some("005")),
    iso("QA", "QAT", "634", "Qatar", Some("145"), None),
    iso("RE", "REU", "638", "Réunion", Some("202"), Some("014")),
    iso("RO", "ROU", "642", "Romania", Some("151"), None),
    iso("RS", "SRB", "688", "Serbia", Some("039"), None),
    iso("RU", "RUS", "643", "Russian Federation", Some("151"), None),
    iso("RW", "RWA", "646", "Rwanda", Some("202"), Some("014")),
    iso("SA", "SAU", "682", "Saudi Arabia", Some("145"), None),
    iso("SB", "SLB", "090", "Solomon Islands", Some("054"), None),
    iso("SC", "SYC", "690", "Seychelles", Some("202"), Some("014")),
    iso("SD", "SDN", "729", "Sudan", Some("015"), None),
    iso("SE", "SWE", "752", "Sweden", Some("154"), None),
    iso("SG", "SGP", "702", "Singapore", Some("035"), None),
    iso(
        "SH",
        "SHN",
        "654",
        "Saint Helena, Ascension and Tristan da Cunha",
        Some("202"),
        Some("011"),
    ),
    iso("SI", "SVN", "705", "Slovenia", Some("039"), None),
    iso(
        "SJ",
        "SJM",
        "744",
        "Svalbard and Jan Mayen",
        Some("154"),
        None,
    ),
    iso("SK", "SVK", "703", "Slovakia", Some("151"), None),
    iso("SL", "SLE", "694", "Sierra Leone", Some("202"), Some("011")),
    iso("SM", "SMR", "674", "San Marino", Some("039"), None),
    iso("SN", "SEN", "686", "Senegal", Some("202"), Some("011")),
    iso("SO", "SOM", "706", "Somalia", Some("202"), Some("014")),
    iso("SR", "SUR", "740", "Suriname", Some("419"), Some("005")),
    iso("SS", "SSD", "728", "South Sudan", Some("202"), Some("014")),
    iso(
        "ST",
        "STP",
        "678",
        "Sao Tome and Principe",
        Some("202"),
        Some("017"),
    ),
    iso("SV", "SLV", "222", "El Salvador", Some("419"), Some("013")),
    iso(
        "SX",
        "SXM",
        "534",
        "Sint Maarten (Dutch part)",
        Some("419"),
        Some("029"),
    ),
    iso(
        "SY",
        "SYR",
        "760",
        "Syrian Arab Republic",
        Some("145"),
        None,
    ),
    iso("SZ", "SWZ", "748", "Eswatini", Some("202"), Some("018")),
    iso(
        "TC",
        "TCA",
        "796",
        "Turks and Caicos Islands",
        Some("419"),
        Some("029"),
    ),
    iso("TD", "TCD", "148", "Chad", Some("202"), Some("017")),
    iso(
        "TF",
        "ATF",
        "260",
        "French Southern Territories",
        Some("202"),
        Some("014"),
    ),
    iso("TG", "TGO", "768", "Togo", Some("202"), Some("011")),
    iso("TH", "THA", "764", "Thailand", Some("035"), None),
    iso("TJ", "TJK", "762", "Tajikistan", Some("143"), None),
    iso("TK", "TKL", "772", "Tokelau", Some("061"), None),
    iso("TL", "TLS", "626", "Timor-Leste", Some("035"), None),
    iso("TM", "TKM", "795", "Turkmenistan", Some("143"), None),
    iso("TN", "TUN", "788", "Tunisia", Some("015"), None),
    iso("TO", "TON", "776", "Tonga", Some("061"), None),
    iso("TR", "TUR", "792", "Türkiye", Some("145"), None),
    iso(
        "TT",
        "TTO",
        "780",
        "Trinidad and Tobago",
        Some("419"),
        Some("029"),
    ),
    iso("TV", "TUV", "798", "Tuvalu", Some("061"), None),
    iso(
        "TW",
        "TWN",
        "158",
        "Taiwan, Province of China",
        Some("030"),
        None,
    ),
    iso(
        "TZ",
        "TZA",
        "834",
        "Tanzania, United Republic of",
        Some("202"),
        Some("014"),
    ),
    iso("UA", "UKR", "804", "Ukraine", Some("151"), None),
    iso("UG", "UGA", "800", "Uganda", Some("202"), Some("014")),
    iso(
        "UM",
        "UMI",
        "581",
        "United States Minor Outlying Islands",
        Some("057"),
        None,
    ),
    iso("US", "USA", "840", "United States", Some("021"), None),
    iso("UY", "URY", "858", "Uruguay", Some("419"), Some("005")),
    iso("UZ", "UZB", "860", "Uzbekistan", Some("143"), None),
    iso(
        "VA",
        "VAT",
        "336",
        "Holy See (Vatican City State)",
        Some("039"),
        None,
    ),
    iso(
        "VC",
        "VCT",
        "670",
        "Saint Vincent and the Grenadines",
        Some("419"),
        Some("029"),
    ),
    iso(
        "VE",
        "VEN",
        "862",
        "Venezuela, Bolivarian Republic of",
        Some("419"),
        Some("005"),
    ),
    iso(
        "VG",
        "VGB",
        "092",
        "Virgin Islands, British",
        Some("419"),
        Some("029"),
    ),
    iso(
        "VI",
        "VIR",
        "850",
        "Virgin Islands, U.S.",
        Some("419"),
        Some("029"),
    ),
    iso("VN", "VNM", "704", "Viet Nam", Some("035"), None),
    iso("VU", "VUT", "548", "Vanuatu", Some("054"), None),
    iso("WF", "WLF", "876", "Wallis and Futuna", Some("061"), None),
    iso("WS", "WSM", "882", "Samoa", Some("061"), None),
    iso("YE", "YEM", "887", "Yemen", Some("145"), None),
    iso("YT", "MYT", "175", "Mayotte", Some("202"), Some("014")),
    iso("ZA", "ZAF", "710", "South Africa", Some("202"), Some("018")),
    iso("ZM", "ZMB", "894", "Zambia", Some("202"), Some("014")),
    iso("ZW", "ZWE", "716", "Zimbabwe", Some("202"), Some("014")),
];

/// Every ISO 3166-1 country and territory (249), in alpha-2 order.
pub fn countries() -> impl Iterator<Item = &'static Country> {
    COUNTRIES.iter()
}

/// The country with this alpha-2 or alpha-3 code, in any case, surrounding spaces ignored.
pub fn country(code: &str) -> Option<&'static Country> {
    let code = code.trim();
    if !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    match code.len() {
        2 => {
            let upper = code.to_ascii_uppercase();
            COUNTRIES
                .binary_search_by(|c| c.alpha2.cmp(upper.as_str()))
                .ok()
                .map(|index| &COUNTRIES[index])
        }
        3 => COUNTRIES
            .iter()
            .find(|c| c.alpha3.eq_ignore_ascii_case(code)),
        _ => None,
    }
}

/// The canonical alpha-2 code for an alpha-2 or alpha-3 code given in any case
/// (`"tha"` → `"TH"`), or `None` when it is not an assigned ISO 3166-1 code.
pub fn country_alpha2(input: &str) -> Option<&'static str> {
    country(input).map(|c| c.alpha2)
}

/// The English short name of a country ("Viet Nam" for "VN"); alpha-3 works too.
pub fn country_name(alpha2: &str) -> Option<&'static str> {
    country(alpha2).map(|c| c.name)
}

// ---------------------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------------------

/// Where a region sits in the UN M49 hierarchy, or that it is a group of countries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionKind {
    /// "001" World.
    World,
    /// An M49 region ("142" Asia).
    Continent,
    /// An M49 sub-region ("035" South-eastern Asia).
    SubRegion,
    /// An M49 intermediate region ("014" Eastern Africa).
    IntermediateRegion,
    /// A group defined by its list of member countries ("ESCAP").
    Group,
}

/// A region that reports can name: an M49 area or a group of countries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// The canonical code: three digits for M49 ("035"), upper case for groups ("ESCAP").
    pub code: &'static str,
    /// English name ("South-eastern Asia").
    pub name: &'static str,
    /// Its place in the hierarchy.
    pub kind: RegionKind,
    /// The M49 area directly containing it; `None` for the World and for groups.
    pub parent: Option<&'static str>,
    /// For groups, the alpha-2 codes of the member countries; empty for M49 areas, whose
    /// countries follow from [`Country::sub_region`] and [`Country::intermediate_region`].
    pub members: &'static [&'static str],
}

impl Region {
    /// True for the areas of UN M49, false for groups.
    pub fn is_m49(&self) -> bool {
        self.kind != RegionKind::Group
    }

    /// True when the country (alpha-2 or alpha-3, any case) is in this region.
    pub fn contains_country(&self, country_code: &str) -> bool {
        let Some(country) = country(country_code) else {
            return false;
        };
        if self.is_m49() {
            country.m49_areas().any(|area| area == self.code)
        } else {
            self.members.contains(&country.alpha2)
        }
    }

    /// The countries of this region, in alpha-2 order.
    pub fn countries(&self) -> impl Iterator<Item = &'static Country> + '_ {
        countries().filter(move |c| self.contains_country(c.alpha2))
    }
}

const fn m49(
    code: &'static str,
    name: &'static str,
    kind: RegionKind,
    parent: Option<&'static str>,
) -> Region {
    Region {
        code,
        name,
        kind,
        parent,
        members: &[],
    }
}

/// The 53 member States of ESCAP, as ISO 3166-1 alpha-2 codes. Four of them (FR, GB, NL,
/// US) are non-regional members: members all the same.
pub const ESCAP_MEMBERS: &[&str] = &[
    "AF", "AM", "AU", "AZ", "BD", "BT", "BN", "KH", "CN", "KP", "FJ", "FR", "GE", "IN", "ID", "IR",
    "JP", "KZ", "KI", "KG", "LA", "MY", "MV", "MH", "FM", "MN", "MM", "NR", "NP", "NL", "NZ", "PK",
    "PW", "PG", "PH", "KR", "RU", "WS", "SG", "SB", "LK", "TJ", "TH", "TL", "TO", "TR", "TM", "TV",
    "GB", "US", "UZ", "VU", "VN",
];

/// The 9 associate members of ESCAP: American Samoa, Cook Islands, French Polynesia, Guam,
/// Hong Kong (China), Macao (China), New Caledonia, Niue, Northern Mariana Islands.
pub const ESCAP_ASSOCIATE_MEMBERS: &[&str] =
    &["AS", "CK", "PF", "GU", "HK", "MO", "NC", "NU", "MP"];

/// Members and associate members together: the working group's region "ESCAP".
const ESCAP_REGION: &[&str] = &[
    "AF", "AM", "AU", "AZ", "BD", "BT", "BN", "KH", "CN", "KP", "FJ", "FR", "GE", "IN", "ID", "IR",
    "JP", "KZ", "KI", "KG", "LA", "MY", "MV", "MH", "FM", "MN", "MM", "NR", "NP", "NL", "NZ", "PK",
    "PW", "PG", "PH", "KR", "RU", "WS", "SG", "SB", "LK", "TJ", "TH", "TL", "TO", "TR", "TM", "TV",
    "GB", "US", "UZ", "VU", "VN", // members
    "AS", "CK", "PF", "GU", "HK", "MO", "NC", "NU", "MP", // associate members
];

static REGIONS: &[Region] = &[
    m49("001", "World", RegionKind::World, None),
    m49("002", "Africa", RegionKind::Continent, Some("001")),
    m49("009", "Oceania", RegionKind::Continent, Some("001")),
    m49("019", "Americas", RegionKind::Continent, Some("001")),
    m49("142", "Asia", RegionKind::Continent, Some("001")),
    m49("150", "Europe", RegionKind::Continent, Some("001")),
    m49("015", "Northern Africa", RegionKind::SubRegion, Some("002")),
    m49(
        "021",
        "Northern America",
        RegionKind::SubRegion,
        Some("019"),
    ),
    m49("030", "Eastern Asia", RegionKind::SubRegion, Some("142")),
    m49("034", "Southern Asia", RegionKind::SubRegion, Some("142")),
    m49(
        "035",
        "South-eastern Asia",
        RegionKind::SubRegion,
        Some("142"),
    ),
    m49("039", "Southern Europe", RegionKind::SubRegion, Some("150")),
    m49(
        "053",
        "Australia and New Zealand",
        RegionKind::SubRegion,
        Some("009"),
    ),
    m49("054", "Melanesia", RegionKind::SubRegion, Some("009")),
    m49("057", "Micronesia", RegionKind::SubRegion, Some("009")),
    m49("061", "Polynesia", RegionKind::SubRegion, Some("009")),
    m49("143", "Central Asia", RegionKind::SubRegion, Some("142")),
    m49("145", "Western Asia", RegionKind::SubRegion, Some("142")),
    m49("151", "Eastern Europe", RegionKind::SubRegion, Some("150")),
    m49("154", "Northern Europe", RegionKind::SubRegion, Some("150")),
    m49("155", "Western Europe", RegionKind::SubRegion, Some("150")),
    m49(
        "202",
        "Sub-Saharan Africa",
        RegionKind::SubRegion,
        Some("002"),
    ),
    m49(
        "419",
        "Latin America and the Caribbean",
        RegionKind::SubRegion,
        Some("019"),
    ),
    m49(
        "005",
        "South America",
        RegionKind::IntermediateRegion,
        Some("419"),
    ),
    m49(
        "011",
        "Western Africa",
        RegionKind::IntermediateRegion,
        Some("202"),
    ),
    m49(
        "013",
        "Central America",
        RegionKind::IntermediateRegion,
        Some("419"),
    ),
    m49(
        "014",
        "Eastern Africa",
        RegionKind::IntermediateRegion,
        Some("202"),
    ),
    m49(
        "017",
        "Middle Africa",
        RegionKind::IntermediateRegion,
        Some("202"),
    ),
    m49(
        "018",
        "Southern Africa",
        RegionKind::IntermediateRegion,
        Some("202"),
    ),
    m49(
        "029",
        "Caribbean",
        RegionKind::IntermediateRegion,
        Some("419"),
    ),
    m49(
        "830",
        "Channel Islands",
        RegionKind::IntermediateRegion,
        Some("154"),
    ),
    Region {
        code: "ESCAP",
        name: "ESCAP members and associate members",
        kind: RegionKind::Group,
        parent: None,
        members: ESCAP_REGION,
    },
];

/// Every region: the M49 World, regions, sub-regions and intermediate regions, then the
/// groups.
pub fn regions() -> impl Iterator<Item = &'static Region> {
    REGIONS.iter()
}

/// The region with this code or English name, case-insensitively: M49 codes with or without
/// leading zeros ("35", "035"), group codes in any case ("escap"), or M49 names
/// ("south-eastern asia").
pub fn region(code: &str) -> Option<&'static Region> {
    let code = code.trim();
    if !code.is_empty() && code.len() <= 3 && code.bytes().all(|b| b.is_ascii_digit()) {
        let padded = format!("{code:0>3}");
        return REGIONS.iter().find(|r| r.code == padded);
    }
    REGIONS
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code))
        .or_else(|| REGIONS.iter().find(|r| r.name.eq_ignore_ascii_case(code)))
}

fn m49_parent(code: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|r| r.code == code && r.is_m49())
        .and_then(|r| r.parent)
}

/// True when the region (any code [`region`] accepts) contains the country (alpha-2 or
/// alpha-3): through the M49 hierarchy for M49 areas, through the member list for groups.
pub fn region_contains_country(region_code: &str, alpha2: &str) -> bool {
    region(region_code).is_some_and(|r| r.contains_country(alpha2))
}

/// True when `outer` contains `inner` (a region contains itself). For two M49 areas this
/// follows the hierarchy ("142" Asia contains "035"); otherwise `outer` contains `inner`
/// when every country of `inner` is in `outer` ("ESCAP" contains "035" South-eastern Asia
/// but not "145" Western Asia; "001" World contains "ESCAP").
pub fn region_contains_region(outer: &str, inner: &str) -> bool {
    let (Some(outer), Some(inner)) = (region(outer), region(inner)) else {
        return false;
    };
    if outer.code == inner.code {
        return true;
    }
    if outer.is_m49() && inner.is_m49() {
        return std::iter::successors(inner.parent, |code| m49_parent(code))
            .any(|code| code == outer.code);
    }
    let mut members = inner.countries().peekable();
    members.peek().is_some() && members.all(|c| outer.contains_country(c.alpha2))
}

// ---------------------------------------------------------------------------------------
// Themes
// ---------------------------------------------------------------------------------------

/// The theme vocabularies, by canonical name: Global Compact for Migration objectives,
/// SDG goals and targets, OECD DAC purpose codes and categories, the working group's topics.
pub const THEME_VOCABULARIES: &[&str] = &["GCM", "SDG", "DAC", "RTWG"];

/// The 23 objectives of the Global Compact for Safe, Orderly and Regular Migration.
static GCM_OBJECTIVES: [(&str, &str); 23] = [
    (
        "1",
        "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies",
    ),
    (
        "2",
        "Minimize the adverse drivers and structural factors that compel people to leave their country of origin",
    ),
    (
        "3",
        "Provide accurate and timely information at all stages of migration",
    ),
    (
        "4",
        "Ensure that all migrants have proof of legal identity and adequate documentation",
    ),
    (
        "5",
        "Enhance availability and flexibility of pathways for regular migration",
    ),
    (
        "6",
        "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work",
    ),
    ("7", "Address and reduce vulnerabilities in migration"),
    (
        "8",
        "Save lives and establish coordinated international efforts on missing migrants",
    ),
    (
        "9",
        "Strengthen the transnational response to smuggling of migrants",
    ),
    (
        "10",
        "Prevent, combat and eradicate trafficking in persons in the context of international migration",
    ),
    (
        "11",
        "Manage borders in an integrated, secure and coordinated manner",
    ),
    (
        "12",
        "Strengthen certainty and predictability in migration procedures for appropriate screening, assessment and referral",
    ),
    (
        "13",
        "Use migration detention only as a measure of last resort and work towards alternatives",
    ),
    (
        "14",
        "Enhance consular protection, assistance and cooperation throughout the migration cycle",
    ),
    ("15", "Provide access to basic services for migrants"),
    (
        "16",
        "Empower migrants and societies to realize full inclusion and social cohesion",
    ),
    (
        "17",
        "Eliminate all forms of discrimination and promote evidence-based public discourse to shape perceptions of migration",
    ),
    (
        "18",
        "Invest in skills development and facilitate mutual recognition of skills, qualifications and competences",
    ),
    (
        "19",
        "Create conditions for migrants and diasporas to fully contribute to sustainable development in all countries",
    ),
    (
        "20",
        "Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants",
    ),
    (
        "21",
        "Cooperate in facilitating safe and dignified return and readmission, as well as sustainable reintegration",
    ),
    (
        "22",
        "Establish mechanisms for the portability of social security entitlements and earned benefits",
    ),
    (
        "23",
        "Strengthen international cooperation and global partnerships for safe, orderly and regular migration",
    ),
];

/// The 17 Sustainable Development Goals.
static SDG_GOALS: [(&str, &str); 17] = [
    ("1", "No poverty"),
    ("2", "Zero hunger"),
    ("3", "Good health and well-being"),
    ("4", "Quality education"),
    ("5", "Gender equality"),
    ("6", "Clean water and sanitation"),
    ("7", "Affordable and clean energy"),
    ("8", "Decent work and economic growth"),
    ("9", "Industry, innovation and infrastructure"),
    ("10", "Reduced inequalities"),
    ("11", "Sustainable cities and communities"),
    ("12", "Responsible consumption and production"),
    ("13", "Climate action"),
    ("14", "Life below water"),
    ("15", "Life on land"),
    ("16", "Peace, justice and strong institutions"),
    ("17", "Partnerships for the goals"),
];

/// The 169 SDG targets, with short summaries of their official text.
static SDG_TARGETS: [(&str, &str); 169] = [
    ("1.1", "Eradicate extreme poverty"),
    (
        "1.2",
        "Reduce poverty in all its dimensions by at least half",
    ),
    ("1.3", "Social protection systems and measures for all"),
    (
        "1.4",
        "Equal rights to economic resources and access to basic services",
    ),
    (
        "1.5",
        "Resilience of the poor to climate-related extreme events and other shocks",
    ),
    ("1.a", "Mobilization of resources to end poverty"),
    ("1.b", "Pro-poor and gender-sensitive policy frameworks"),
    ("2.1", "End hunger and ensure access to food"),
    ("2.2", "End all forms of malnutrition"),
    (
        "2.3",
        "Double the productivity and incomes of small-scale food producers",
    ),
    (
        "2.4",
        "Sustainable food production and resilient agricultural practices",
    ),
    ("2.5", "Genetic diversity of seeds, plants and animals"),
    (
        "2.a",
        "Investment in rural infrastructure and agricultural research",
    ),
    (
        "2.b",
        "Correct and prevent trade restrictions in world agricultural markets",
    ),
    ("2.c", "Proper functioning of food commodity markets"),
    ("3.1", "Reduce maternal mortality"),
    (
        "3.2",
        "End preventable deaths of newborns and children under 5",
    ),
    (
        "3.3",
        "End the epidemics of AIDS, tuberculosis, malaria and other communicable diseases",
    ),
    (
        "3.4",
        "Reduce mortality from non-communicable diseases; promote mental health",
    ),
    ("3.5", "Prevention and treatment of substance abuse"),
    (
        "3.6",
        "Halve deaths and injuries from road traffic accidents",
    ),
    (
        "3.7",
        "Universal access to sexual and reproductive health-care services",
    ),
    ("3.8", "Universal health coverage"),
    (
        "3.9",
        "Reduce deaths and illnesses from hazardous chemicals and pollution",
    ),
    (
        "3.a",
        "Implementation of the WHO Framework Convention on Tobacco Control",
    ),
    (
        "3.b",
        "Research, development of and access to vaccines and medicines",
    ),
    (
        "3.c",
        "Health financing and health workforce in developing countries",
    ),
    (
        "3.d",
        "Early warning, risk reduction and management of health risks",
    ),
    (
        "4.1",
        "Free, equitable and quality primary and secondary education",
    ),
    (
        "4.2",
        "Early childhood development and pre-primary education",
    ),
    (
        "4.3",
        "Equal access to technical, vocational and tertiary education",
    ),
    (
        "4.4",
        "Skills for employment, decent jobs and entrepreneurship",
    ),
    (
        "4.5",
        "Eliminate gender disparities and ensure equal access to education",
    ),
    ("4.6", "Literacy and numeracy of youth and adults"),
    (
        "4.7",
        "Education for sustainable development and global citizenship",
    ),
    ("4.a", "Safe, inclusive and effective learning environments"),
    ("4.b", "Scholarships for developing countries"),
    ("4.c", "Supply of qualified teachers"),
    ("5.1", "End discrimination against women and girls"),
    (
        "5.2",
        "Eliminate violence against women and girls, including trafficking",
    ),
    (
        "5.3",
        "Eliminate child, early and forced marriage and female genital mutilation",
    ),
    ("5.4", "Recognize and value unpaid care and domestic work"),
    (
        "5.5",
        "Women's full participation and equal opportunities for leadership",
    ),
    (
        "5.6",
        "Universal access to sexual and reproductive health and rights",
    ),
    ("5.a", "Women's equal rights to economic resources"),
    ("5.b", "Enabling technology to empower women"),
    ("5.c", "Policies and legislation for gender equality"),
    ("6.1", "Safe and affordable drinking water for all"),
    (
        "6.2",
        "Access to sanitation and hygiene; end open defecation",
    ),
    (
        "6.3",
        "Improve water quality; reduce pollution and untreated wastewater",
    ),
    (
        "6.4",
        "Water-use efficiency and sustainable freshwater supply",
    ),
    ("6.5", "Integrated water resources management"),
    ("6.6", "Protect and restore water-related ecosystems"),
    ("6.a", "International cooperation on water and sanitation"),
    (
        "6.b",
        "Local participation in water and sanitation management",
    ),
    ("7.1", "Universal access to modern energy services"),
    ("7.2", "Increase the share of renewable energy"),
    ("7.3", "Double the rate of improvement in energy efficiency"),
    (
        "7.a",
        "International cooperation on clean energy research and technology",
    ),
    (
        "7.b",
        "Infrastructure and technology for energy services in developing countries",
    ),
    ("8.1", "Sustain per capita economic growth"),
    (
        "8.2",
        "Economic productivity through diversification, technology and innovation",
    ),
    (
        "8.3",
        "Policies for productive activities, decent jobs and entrepreneurship",
    ),
    ("8.4", "Resource efficiency in consumption and production"),
    (
        "8.5",
        "Full and productive employment, decent work and equal pay for all",
    ),
    (
        "8.6",
        "Reduce the proportion of youth not in employment, education or training",
    ),
    (
        "8.7",
        "End forced labour, modern slavery, human trafficking and child labour",
    ),
    (
        "8.8",
        "Labour rights and safe working environments for all workers, including migrant workers",
    ),
    ("8.9", "Sustainable tourism"),
    (
        "8.10",
        "Access to banking, insurance and financial services for all",
    ),
    ("8.a", "Aid for Trade support for developing countries"),
    ("8.b", "Global strategy for youth employment"),
    (
        "9.1",
        "Quality, reliable, sustainable and resilient infrastructure",
    ),
    ("9.2", "Inclusive and sustainable industrialization"),
    (
        "9.3",
        "Access of small-scale enterprises to financial services and markets",
    ),
    (
        "9.4",
        "Upgrade infrastructure and retrofit industries for sustainability",
    ),
    ("9.5", "Scientific research and technological capabilities"),
    (
        "9.a",
        "Resilient infrastructure development in developing countries",
    ),
    (
        "9.b",
        "Domestic technology development, research and innovation",
    ),
    ("9.c", "Access to information and communications technology"),
    ("10.1", "Income growth of the bottom 40 per cent"),
    ("10.2", "Social, economic and political inclusion of all"),
    (
        "10.3",
        "Equal opportunity and reduced inequalities of outcome",
    ),
    (
        "10.4",
        "Fiscal, wage and social protection policies for greater equality",
    ),
    (
        "10.5",
        "Regulation and monitoring of global financial markets and institutions",
    ),
    (
        "10.6",
        "Voice of developing countries in international economic and financial institutions",
    ),
    (
        "10.7",
        "Orderly, safe, regular and responsible migration and mobility of people",
    ),
    (
        "10.a",
        "Special and differential treatment for developing countries",
    ),
    (
        "10.b",
        "Development assistance and financial flows to the States in greatest need",
    ),
    (
        "10.c",
        "Reduce the transaction costs of migrant remittances",
    ),
    (
        "11.1",
        "Adequate, safe and affordable housing; upgrade slums",
    ),
    (
        "11.2",
        "Safe, affordable, accessible and sustainable transport systems",
    ),
    ("11.3", "Inclusive and sustainable urbanization"),
    ("11.4", "Protect the world's cultural and natural heritage"),
    (
        "11.5",
        "Reduce deaths and economic losses caused by disasters",
    ),
    ("11.6", "Reduce the environmental impact of cities"),
    (
        "11.7",
        "Safe, inclusive and accessible green and public spaces",
    ),
    ("11.a", "Links between urban, peri-urban and rural areas"),
    (
        "11.b",
        "Integrated policies and disaster risk management in cities",
    ),
    (
        "11.c",
        "Sustainable and resilient buildings in least developed countries",
    ),
    (
        "12.1",
        "10-Year Framework of Programmes on sustainable consumption and production",
    ),
    (
        "12.2",
        "Sustainable management and efficient use of natural resources",
    ),
    ("12.3", "Halve food waste and reduce food losses"),
    ("12.4", "Sound management of chemicals and wastes"),
    ("12.5", "Reduce waste generation"),
    (
        "12.6",
        "Sustainable practices and sustainability reporting by companies",
    ),
    ("12.7", "Sustainable public procurement practices"),
    (
        "12.8",
        "Information and awareness for sustainable lifestyles",
    ),
    (
        "12.a",
        "Scientific and technological capacity for sustainable consumption and production",
    ),
    (
        "12.b",
        "Monitor the sustainable development impacts of sustainable tourism",
    ),
    ("12.c", "Rationalize inefficient fossil-fuel subsidies"),
    (
        "13.1",
        "Resilience and adaptive capacity to climate-related hazards",
    ),
    (
        "13.2",
        "Integrate climate change measures into policies and planning",
    ),
    (
        "13.3",
        "Education, awareness and capacity on climate change",
    ),
    (
        "13.a",
        "Mobilize climate finance under the UNFCCC; the Green Climate Fund",
    ),
    (
        "13.b",
        "Capacity for climate change planning and management",
    ),
    ("14.1", "Reduce marine pollution"),
    ("14.2", "Protect marine and coastal ecosystems"),
    ("14.3", "Minimize ocean acidification"),
    ("14.4", "Regulate harvesting and end overfishing"),
    (
        "14.5",
        "Conserve at least 10 per cent of coastal and marine areas",
    ),
    ("14.6", "Prohibit harmful fisheries subsidies"),
    (
        "14.7",
        "Economic benefits from the sustainable use of marine resources for SIDS and LDCs",
    ),
    (
        "14.a",
        "Scientific knowledge, research capacity and marine technology",
    ),
    (
        "14.b",
        "Access of small-scale artisanal fishers to marine resources and markets",
    ),
    (
        "14.c",
        "Conservation and sustainable use of oceans under international law (UNCLOS)",
    ),
    (
        "15.1",
        "Conserve and restore terrestrial and inland freshwater ecosystems",
    ),
    ("15.2", "Sustainable management of forests"),
    ("15.3", "Combat desertification and restore degraded land"),
    ("15.4", "Conservation of mountain ecosystems"),
    (
        "15.5",
        "Reduce the degradation of natural habitats and halt biodiversity loss",
    ),
    (
        "15.6",
        "Fair and equitable sharing of the benefits of genetic resources",
    ),
    ("15.7", "End poaching and trafficking of protected species"),
    ("15.8", "Prevent and reduce invasive alien species"),
    (
        "15.9",
        "Integrate ecosystem and biodiversity values into planning",
    ),
    (
        "15.a",
        "Financial resources to conserve biodiversity and ecosystems",
    ),
    ("15.b", "Finance for sustainable forest management"),
    (
        "15.c",
        "Global support to combat poaching and trafficking of protected species",
    ),
    (
        "16.1",
        "Reduce all forms of violence and related death rates",
    ),
    (
        "16.2",
        "End abuse, exploitation, trafficking and violence against children",
    ),
    ("16.3", "Rule of law and equal access to justice for all"),
    (
        "16.4",
        "Reduce illicit financial and arms flows; combat organized crime",
    ),
    ("16.5", "Reduce corruption and bribery"),
    (
        "16.6",
        "Effective, accountable and transparent institutions",
    ),
    (
        "16.7",
        "Responsive, inclusive, participatory and representative decision-making",
    ),
    (
        "16.8",
        "Participation of developing countries in global governance",
    ),
    (
        "16.9",
        "Legal identity for all, including birth registration",
    ),
    (
        "16.10",
        "Public access to information and fundamental freedoms",
    ),
    (
        "16.a",
        "National institutions to prevent violence and combat terrorism and crime",
    ),
    ("16.b", "Non-discriminatory laws and policies"),
    ("17.1", "Domestic resource mobilization"),
    ("17.2", "Official development assistance commitments"),
    (
        "17.3",
        "Additional financial resources for developing countries",
    ),
    ("17.4", "Long-term debt sustainability"),
    (
        "17.5",
        "Investment promotion regimes for least developed countries",
    ),
    (
        "17.6",
        "Cooperation on and access to science, technology and innovation",
    ),
    (
        "17.7",
        "Environmentally sound technologies for developing countries",
    ),
    (
        "17.8",
        "Technology bank and capacity-building for least developed countries",
    ),
    (
        "17.9",
        "Capacity-building to implement the Sustainable Development Goals",
    ),
    (
        "17.10",
        "Universal, rules-based multilateral trading system under the WTO",
    ),
    ("17.11", "Increase the exports of developing countries"),
    (
        "17.12",
        "Duty-free and quota-free market access for least developed countries",
    ),
    ("17.13", "Global macroeconomic stability"),
    ("17.14", "Policy coherence for sustainable development"),
    (
        "17.15",
        "Respect each country's policy space and leadership",
    ),
    ("17.16", "Global Partnership for Sustainable Development"),
    (
        "17.17",
        "Public, public-private and civil society partnerships",
    ),
    (
        "17.18",
        "High-quality, timely and reliable data disaggregated by income, sex, age, migratory status and more",
    ),
    (
        "17.19",
        "Measurements of progress complementing GDP; statistical capacity-building",
    ),
];

/// DAC 3-digit sector categories (IATI SectorCategory codelist, withdrawn 230 and 920
/// included). A 5-digit purpose code is valid when its first three digits are one of these.
static DAC_CATEGORIES: [(&str, &str); 44] = [
    ("111", "Education, level unspecified"),
    ("112", "Basic education"),
    ("113", "Secondary education"),
    ("114", "Post-secondary education"),
    ("121", "Health, general"),
    ("122", "Basic health"),
    ("123", "Non-communicable diseases (NCDs)"),
    (
        "130",
        "Population policies/programmes and reproductive health",
    ),
    ("140", "Water supply and sanitation"),
    ("151", "Government and civil society, general"),
    ("152", "Conflict, peace and security"),
    ("160", "Other social infrastructure and services"),
    ("210", "Transport and storage"),
    ("220", "Communications"),
    ("230", "Energy generation and supply"),
    ("231", "Energy policy"),
    ("232", "Energy generation, renewable sources"),
    ("233", "Energy generation, non-renewable sources"),
    ("234", "Hybrid energy plants"),
    ("235", "Nuclear energy plants"),
    ("236", "Energy distribution"),
    ("240", "Banking and financial services"),
    ("250", "Business and other services"),
    ("311", "Agriculture"),
    ("312", "Forestry"),
    ("313", "Fishing"),
    ("321", "Industry"),
    ("322", "Mineral resources and mining"),
    ("323", "Construction"),
    ("331", "Trade policies and regulations"),
    ("332", "Tourism"),
    ("410", "General environment protection"),
    ("430", "Other multisector"),
    ("510", "General budget support"),
    ("520", "Development food assistance"),
    ("530", "Other commodity assistance"),
    ("600", "Action relating to debt"),
    ("720", "Emergency response"),
    ("730", "Reconstruction relief and rehabilitation"),
    ("740", "Disaster prevention and preparedness"),
    ("910", "Administrative costs of donors"),
    ("920", "Support to non-governmental organisations (NGOs)"),
    ("930", "Refugees in donor countries"),
    ("998", "Unallocated / unspecified"),
];

/// DAC sector headings that group several categories (as in DAC aggregate tables): valid
/// as 3-digit theme codes, but not as prefixes of 5-digit codes.
static DAC_SECTOR_GROUPS: [(&str, &str); 6] = [
    ("110", "Education"),
    ("120", "Health"),
    ("150", "Government and civil society"),
    ("310", "Agriculture, forestry, fishing"),
    ("320", "Industry, mining, construction"),
    ("330", "Trade policies and regulations"),
];

/// DAC CRS 5-digit purpose codes with their names (IATI Sector codelist, withdrawn codes
/// included).
static DAC_PURPOSE_CODES: [(&str, &str); 326] = [
    ("11110", "Education policy and administrative management"),
    ("11120", "Education facilities and training"),
    ("11130", "Teacher training"),
    ("11182", "Educational research"),
    ("11220", "Primary education"),
    ("11230", "Basic life skills for adults"),
    ("11231", "Basic life skills for youth"),
    ("11232", "Primary education equivalent for adults"),
    ("11240", "Early childhood education"),
    ("11250", "School feeding"),
    ("11260", "Lower secondary education"),
    (
        "11320",
        "Upper secondary education (modified and includes data from 11322)",
    ),
    ("11321", "Lower secondary education"),
    ("11322", "Upper secondary education"),
    ("11330", "Vocational training"),
    ("11420", "Higher education"),
    ("11430", "Advanced technical and managerial training"),
    ("12110", "Health policy and administrative management"),
    ("12181", "Medical education/training"),
    ("12182", "Medical research"),
    ("12191", "Medical services"),
    ("12196", "Health statistics and data"),
    ("12220", "Basic health care"),
    ("12230", "Basic health infrastructure"),
    ("12240", "Basic nutrition"),
    ("12250", "Infectious disease control"),
    ("12261", "Health education"),
    ("12262", "Malaria control"),
    ("12263", "Tuberculosis control"),
    ("12264", "COVID-19 control"),
    ("12281", "Health personnel development"),
    ("12310", "NCDs control, general"),
    ("12320", "Tobacco use control"),
    ("12330", "Control of harmful use of alcohol and drugs"),
    ("12340", "Promotion of mental health and well-being"),
    ("12350", "Other prevention and treatment of NCDs"),
    ("12382", "Research for prevention and control of NCDs"),
    ("13010", "Population policy and administrative management"),
    ("13020", "Reproductive health care"),
    ("13030", "Family planning"),
    ("13040", "STD control including HIV/AIDS"),
    (
        "13081",
        "Personnel development for population and reproductive health",
    ),
    ("13096", "Population statistics and data"),
    ("14010", "Water sector policy and administrative management"),
    (
        "14015",
        "Water resources conservation (including data collection)",
    ),
    ("14020", "Water supply and sanitation - large systems"),
    ("14021", "Water supply - large systems"),
    ("14022", "Sanitation - large systems"),
    ("14030", "Basic drinking water supply and basic sanitation"),
    ("14031", "Basic drinking water supply"),
    ("14032", "Basic sanitation"),
    ("14040", "River basins development"),
    ("14050", "Waste management/disposal"),
    (
        "14081",
        "Education and training in water supply and sanitation",
    ),
    (
        "15110",
        "Public sector policy and administrative management",
    ),
    ("15111", "Public finance management (PFM)"),
    (
        "15112",
        "Decentralisation and support to subnational government",
    ),
    ("15113", "Anti-corruption organisations and institutions"),
    ("15114", "Domestic revenue mobilisation"),
    ("15116", "Tax collection"),
    ("15117", "Budget planning"),
    ("15118", "National audit"),
    ("15119", "Debt and aid management"),
    ("15120", "Public sector financial management"),
    ("15121", "Foreign affairs"),
    ("15122", "Diplomatic missions"),
    (
        "15123",
        "Administration of developing countries' foreign aid",
    ),
    ("15124", "General personnel services"),
    ("15125", "Public procurement"),
    ("15126", "Other general public services"),
    ("15127", "National monitoring and evaluation"),
    ("15128", "Local government finance"),
    ("15129", "Other central transfers to institutions"),
    ("15130", "Legal and judicial development"),
    (
        "15131",
        "Justice, law and order policy, planning and administration",
    ),
    ("15132", "Police"),
    ("15133", "Fire and rescue services"),
    ("15134", "Judicial affairs"),
    ("15135", "Ombudsman"),
    ("15136", "Immigration"),
    ("15137", "Prisons"),
    ("15140", "Government administration"),
    ("15142", "Macroeconomic policy"),
    ("15143", "Meteorological services"),
    ("15144", "National standards development"),
    ("15150", "Democratic participation and civil society"),
    ("15151", "Elections"),
    ("15152", "Legislatures and political parties"),
    ("15153", "Media and free flow of information"),
    ("15154", "Executive office"),
    ("15155", "Tax policy and administration support"),
    ("15156", "Other non-tax revenue mobilisation"),
    ("15160", "Human rights"),
    ("15161", "Elections"),
    ("15162", "Human rights"),
    ("15163", "Free flow of information"),
    ("15164", "Women's equality organisations and institutions"),
    (
        "15170",
        "Women's rights organisations and movements, and government institutions",
    ),
    ("15180", "Ending violence against women and girls"),
    ("15185", "Local government administration"),
    (
        "15190",
        "Facilitation of orderly, safe, regular and responsible migration and mobility",
    ),
    ("15196", "Government and civil society statistics and data"),
    ("15210", "Security system management and reform"),
    (
        "15220",
        "Civilian peace-building, conflict prevention and resolution",
    ),
    (
        "15230",
        "Participation in international peacekeeping operations",
    ),
    ("15240", "Reintegration and SALW control"),
    (
        "15250",
        "Removal of land mines and explosive remnants of war",
    ),
    ("15261", "Child soldiers (prevention and demobilisation)"),
    ("16010", "Social protection"),
    (
        "16011",
        "Social protection and welfare services policy, planning and administration",
    ),
    ("16012", "Social security (excl pensions)"),
    ("16013", "General pensions"),
    ("16014", "Civil service pensions"),
    (
        "16015",
        "Social services (incl youth development and women+ children)",
    ),
    ("16020", "Employment creation"),
    ("16030", "Housing policy and administrative management"),
    ("16040", "Low-cost housing"),
    ("16050", "Multisector aid for basic social services"),
    ("16061", "Culture and cultural diversity"),
    ("16062", "Statistical capacity building"),
    ("16063", "Narcotics control"),
    ("16064", "Social mitigation of HIV/AIDS"),
    ("16065", "Recreation and sport"),
    ("16066", "Culture"),
    ("16070", "Labour rights"),
    ("16080", "Social dialogue"),
    ("21010", "Transport policy and administrative management"),
    ("21011", "Transport policy, planning and administration"),
    ("21012", "Public transport services"),
    ("21013", "Transport regulation"),
    ("21020", "Road transport"),
    ("21021", "Feeder road construction"),
    ("21022", "Feeder road maintenance"),
    ("21023", "National road construction"),
    ("21024", "National road maintenance"),
    ("21030", "Rail transport"),
    ("21040", "Water transport"),
    ("21050", "Air transport"),
    ("21061", "Storage"),
    ("21081", "Education and training in transport and storage"),
    (
        "22010",
        "Communications policy and administrative management",
    ),
    (
        "22011",
        "Communications policy, planning and administration",
    ),
    ("22012", "Postal services"),
    ("22013", "Information services"),
    ("22020", "Telecommunications"),
    ("22030", "Radio, television, print and online media"),
    ("22040", "Information and communication technology (ICT)"),
    (
        "22081",
        "Education and training in ICT, telecommunications and media",
    ),
    ("23010", "Energy policy and administrative management"),
    ("23020", "Power generation/non-renewable sources"),
    ("23030", "Power generation/renewable sources"),
    ("23040", "Electrical transmission/ distribution"),
    ("23050", "Gas distribution"),
    ("23061", "Oil-fired power plants"),
    ("23062", "Gas-fired power plants"),
    ("23063", "Coal-fired power plants"),
    ("23064", "Nuclear power plants"),
    ("23065", "Hydro-electric power plants"),
    ("23066", "Geothermal energy"),
    ("23067", "Solar energy"),
    ("23068", "Wind power"),
    ("23069", "Ocean power"),
    ("23070", "Biomass"),
    ("23081", "Energy education/training"),
    ("23082", "Energy research"),
    ("23110", "Energy policy and administrative management"),
    ("23111", "Energy sector policy, planning and administration"),
    ("23112", "Energy regulation"),
    ("23181", "Energy education/training"),
    ("23182", "Energy research"),
    ("23183", "Energy conservation and demand-side efficiency"),
    (
        "23210",
        "Energy generation, renewable sources - multiple technologies",
    ),
    ("23220", "Hydro-electric power plants"),
    ("23230", "Solar energy for centralised grids"),
    (
        "23231",
        "Solar energy for isolated grids and standalone systems",
    ),
    ("23232", "Solar energy - thermal applications"),
    ("23240", "Wind energy"),
    ("23250", "Marine energy"),
    ("23260", "Geothermal energy"),
    ("23270", "Biofuel-fired power plants"),
    (
        "23310",
        "Energy generation, non-renewable sources, unspecified",
    ),
    ("23320", "Coal-fired electric power plants"),
    ("23330", "Oil-fired electric power plants"),
    ("23340", "Natural gas-fired electric power plants"),
    (
        "23350",
        "Fossil fuel electric power plants with carbon capture and storage (CCS)",
    ),
    ("23360", "Non-renewable waste-fired electric power plants"),
    ("23410", "Hybrid energy electric power plants"),
    (
        "23510",
        "Nuclear energy electric power plants and nuclear safety",
    ),
    ("23610", "Heat plants"),
    ("23620", "District heating and cooling"),
    (
        "23630",
        "Electric power transmission and distribution (centralised grids)",
    ),
    (
        "23631",
        "Electric power transmission and distribution (isolated mini-grids)",
    ),
    ("23640", "Retail gas distribution"),
    (
        "23641",
        "Retail distribution of liquid or solid fossil fuels",
    ),
    ("23642", "Electric mobility infrastructures"),
    ("24010", "Financial policy and administrative management"),
    ("24020", "Monetary institutions"),
    ("24030", "Formal sector financial intermediaries"),
    ("24040", "Informal/semi-formal financial intermediaries"),
    (
        "24050",
        "Remittance facilitation, promotion and optimisation",
    ),
    (
        "24081",
        "Education/training in banking and financial services",
    ),
    ("25010", "Business policy and administration"),
    ("25020", "Privatisation"),
    ("25030", "Business development services"),
    ("25040", "Responsible business conduct"),
    ("31110", "Agricultural policy and administrative management"),
    ("31120", "Agricultural development"),
    ("31130", "Agricultural land resources"),
    ("31140", "Agricultural water resources"),
    ("31150", "Agricultural inputs"),
    ("31161", "Food crop production"),
    ("31162", "Industrial crops/export crops"),
    ("31163", "Livestock"),
    ("31164", "Agrarian reform"),
    ("31165", "Agricultural alternative development"),
    ("31166", "Agricultural extension"),
    ("31181", "Agricultural education/training"),
    ("31182", "Agricultural research"),
    ("31191", "Agricultural services"),
    (
        "31192",
        "Plant and post-harvest protection and pest control",
    ),
    ("31193", "Agricultural financial services"),
    ("31194", "Agricultural co-operatives"),
    ("31195", "Livestock/veterinary services"),
    ("31210", "Forestry policy and administrative management"),
    ("31220", "Forestry development"),
    ("31261", "Fuelwood/charcoal"),
    ("31281", "Forestry education/training"),
    ("31282", "Forestry research"),
    ("31291", "Forestry services"),
    ("31310", "Fishing policy and administrative management"),
    ("31320", "Fishery development"),
    ("31381", "Fishery education/training"),
    ("31382", "Fishery research"),
    ("31391", "Fishery services"),
    ("32110", "Industrial policy and administrative management"),
    ("32120", "Industrial development"),
    (
        "32130",
        "Small and medium-sized enterprises (SME) development",
    ),
    ("32140", "Cottage industries and handicraft"),
    ("32161", "Agro-industries"),
    ("32162", "Forest industries"),
    ("32163", "Textiles, leather and substitutes"),
    ("32164", "Chemicals"),
    ("32165", "Fertilizer plants"),
    ("32166", "Cement/lime/plaster"),
    ("32167", "Energy manufacturing (fossil fuels)"),
    ("32168", "Pharmaceutical production"),
    ("32169", "Basic metal industries"),
    ("32170", "Non-ferrous metal industries"),
    ("32171", "Engineering"),
    ("32172", "Transport equipment industry"),
    ("32173", "Modern biofuels manufacturing"),
    (
        "32174",
        "Clean cooking appliances manufacturing, market development and distribution",
    ),
    ("32182", "Technological research and development"),
    (
        "32210",
        "Mineral/mining policy and administrative management",
    ),
    ("32220", "Mineral prospection and exploration"),
    ("32261", "Coal"),
    ("32262", "Oil and gas (upstream)"),
    ("32263", "Ferrous metals"),
    ("32264", "Nonferrous metals"),
    ("32265", "Precious metals/materials"),
    ("32266", "Industrial minerals"),
    ("32267", "Fertilizer minerals"),
    ("32268", "Offshore minerals"),
    ("32310", "Construction policy and administrative management"),
    ("33110", "Trade policy and administrative management"),
    ("33120", "Trade facilitation"),
    ("33130", "Regional trade agreements (RTAs)"),
    ("33140", "Multilateral trade negotiations"),
    ("33150", "Trade-related adjustment"),
    ("33181", "Trade education/training"),
    ("33210", "Tourism policy and administrative management"),
    (
        "41010",
        "Environmental policy and administrative management",
    ),
    ("41020", "Biosphere protection"),
    ("41030", "Biodiversity"),
    ("41040", "Site preservation"),
    ("41050", "Flood prevention/control"),
    ("41081", "Environmental education/training"),
    ("41082", "Environmental research"),
    ("43010", "Multisector aid"),
    ("43030", "Urban development and management"),
    ("43031", "Urban land policy and management"),
    ("43032", "Urban development"),
    ("43040", "Rural development"),
    ("43041", "Rural land policy and management"),
    ("43042", "Rural development"),
    ("43050", "Non-agricultural alternative development"),
    ("43060", "Disaster risk reduction"),
    (
        "43071",
        "Food security policy and administrative management",
    ),
    ("43072", "Household food security programmes"),
    ("43073", "Food safety and quality"),
    ("43081", "Multisector education/training"),
    ("43082", "Research/scientific institutions"),
    ("51010", "General budget support-related aid"),
    ("52010", "Food assistance"),
    ("53030", "Import support (capital goods)"),
    ("53040", "Import support (commodities)"),
    ("60010", "Action relating to debt"),
    ("60020", "Debt forgiveness"),
    ("60030", "Relief of multilateral debt"),
    ("60040", "Rescheduling and refinancing"),
    ("60061", "Debt for development swap"),
    ("60062", "Other debt swap"),
    ("60063", "Debt buy-back"),
    ("72010", "Material relief assistance and services"),
    ("72011", "Basic health care services in emergencies"),
    ("72012", "Education in emergencies"),
    ("72040", "Emergency food assistance"),
    ("72050", "Relief co-ordination and support services"),
    (
        "73010",
        "Immediate post-emergency reconstruction and rehabilitation",
    ),
    ("74010", "Disaster prevention and preparedness"),
    ("74020", "Multi-hazard response preparedness"),
    ("91010", "Administrative costs (non-sector allocable)"),
    ("92010", "Support to national NGOs"),
    ("92020", "Support to international NGOs"),
    ("92030", "Support to local and regional NGOs"),
    (
        "93010",
        "Refugees/asylum seekers in donor countries (non-sector allocable)",
    ),
    (
        "93011",
        "Refugees/asylum seekers in donor countries - food and shelter",
    ),
    (
        "93012",
        "Refugees/asylum seekers in donor countries - training",
    ),
    (
        "93013",
        "Refugees/asylum seekers in donor countries - health",
    ),
    (
        "93014",
        "Refugees/asylum seekers in donor countries - other temporary sustenance",
    ),
    (
        "93015",
        "Refugees/asylum seekers in donor countries - voluntary repatriation",
    ),
    (
        "93016",
        "Refugees/asylum seekers in donor countries - transport",
    ),
    (
        "93017",
        "Refugees/asylum seekers in donor countries - rescue at sea",
    ),
    (
        "93018",
        "Refugees/asylum seekers in donor countries - administrative costs",
    ),
    ("99810", "Sectors not specified"),
    (
        "99820",
        "Promotion of development awareness (non-sector allocable)",
    ),
];

/// The working group's own topics (from the seed document), with English labels.
static RTWG_TOPICS: [(&str, &str); 10] = [
    ("labour-migration", "Labour migration"),
    ("trafficking", "Trafficking in persons"),
    ("remittances", "Remittances"),
    ("gender", "Gender"),
    ("health", "Health"),
    ("family-and-children", "Family and children"),
    ("international-marriage", "International marriage"),
    ("statistics-and-data", "Statistics and data"),
    ("regional-cooperation", "Regional cooperation"),
    ("policy-coherence", "Policy coherence"),
];

/// The canonical name of a theme vocabulary ("gcm" → "GCM"), or `None` if unknown.
pub fn theme_vocabulary(name: &str) -> Option<&'static str> {
    let name = name.trim();
    THEME_VOCABULARIES
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(name))
}

fn lookup(
    table: &'static [(&'static str, &'static str)],
    code: &str,
) -> Option<(&'static str, &'static str)> {
    table.iter().copied().find(|(c, _)| *c == code)
}

/// Strips a leading `prefix` (ASCII case-insensitive) and the separators after it.
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text[prefix.len()..].trim_start_matches([' ', '-', '_', '.', ':', '#']))
}

/// "GCM-10", "gcm10", "objective 10", "GCM objective 10", "10" → "10".
fn normalize_gcm(code: &str) -> Option<&'static str> {
    let mut rest = code;
    if let Some(stripped) = strip_prefix_ignore_case(rest, "gcm") {
        rest = stripped;
    }
    for prefix in ["objective", "obj"] {
        if let Some(stripped) = strip_prefix_ignore_case(rest, prefix) {
            rest = stripped;
            break;
        }
    }
    if rest.is_empty() || rest.len() > 3 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u32 = rest.parse().ok()?;
    GCM_OBJECTIVES
        .iter()
        .find(|(c, _)| c.parse::<u32>().ok() == Some(number))
        .map(|(c, _)| *c)
}

/// "SDG 10.7", "sdg10.7", "target 10.C", "10" → "10.7", "10.7", "10.c", "10".
fn normalize_sdg(code: &str) -> Option<&'static str> {
    let mut rest = code;
    if let Some(stripped) = strip_prefix_ignore_case(rest, "sdg") {
        rest = stripped;
    }
    for prefix in ["target", "goal"] {
        if let Some(stripped) = strip_prefix_ignore_case(rest, prefix) {
            rest = stripped;
            break;
        }
    }
    let (goal, target) = match rest.split_once('.') {
        Some((goal, target)) => (goal, Some(target)),
        None => (rest, None),
    };
    if goal.is_empty() || goal.len() > 2 || !goal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let goal: u32 = goal.parse().ok()?;
    let goal_code = SDG_GOALS
        .iter()
        .find(|(c, _)| c.parse::<u32>().ok() == Some(goal))
        .map(|(c, _)| *c)?;
    let Some(target) = target else {
        return Some(goal_code);
    };
    let target = target.to_ascii_lowercase();
    // Targets are numbers without leading zeros ("8.10") or one letter ("10.c").
    let well_formed = match target.as_bytes() {
        [letter] if letter.is_ascii_lowercase() => true,
        [first, ..] => {
            *first != b'0' && target.len() <= 2 && target.bytes().all(|b| b.is_ascii_digit())
        }
        [] => false,
    };
    if !well_formed {
        return None;
    }
    let wanted = format!("{goal_code}.{target}");
    lookup(&SDG_TARGETS, &wanted).map(|(c, _)| c)
}

/// "15190", " 151 " → the code, when it is a known purpose code, a 5-digit code in a known
/// category, a known category or a sector heading.
fn normalize_dac(code: &str) -> Option<String> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        5 => {
            let known = lookup(&DAC_PURPOSE_CODES, code).is_some()
                || lookup(&DAC_CATEGORIES, &code[..3]).is_some();
            known.then(|| code.to_string())
        }
        3 => {
            let known = lookup(&DAC_CATEGORIES, code).is_some()
                || lookup(&DAC_SECTOR_GROUPS, code).is_some();
            known.then(|| code.to_string())
        }
        _ => None,
    }
}

/// "Labour_Migration", "labour migration" → "labour-migration".
fn normalize_rtwg(code: &str) -> Option<&'static str> {
    let wanted: String = code
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    lookup(&RTWG_TOPICS, &wanted).map(|(c, _)| c)
}

fn expected_codes(vocabulary: &str) -> String {
    match vocabulary {
        "GCM" => "expected a Global Compact for Migration objective number from 1 to 23, such as \"10\" or \"GCM-10\"".to_string(),
        "SDG" => "expected an SDG goal from 1 to 17 or an SDG target such as \"10.7\", \"10.c\" or \"16.2\"".to_string(),
        "DAC" => "expected an OECD DAC 5-digit purpose code such as \"15190\" or a 3-digit sector category such as \"151\"".to_string(),
        _ => {
            let codes: Vec<&str> = RTWG_TOPICS.iter().map(|(c, _)| *c).collect();
            format!("expected one of {}", codes.join(", "))
        }
    }
}

/// Checks a theme and returns it in canonical form: the vocabulary upper-case, the code as
/// the vocabulary writes it ("GCM-10" → "10", "10.C" → "10.c", "Labour_Migration" →
/// "labour-migration").
///
/// The error is a sentence naming the problem: an unknown vocabulary (with the list of known
/// ones) or an unknown code in a known vocabulary (with what was expected).
pub fn normalize_theme(vocabulary: &str, code: &str) -> Result<Theme, String> {
    let Some(canonical_vocabulary) = theme_vocabulary(vocabulary) else {
        let shown = vocabulary.trim();
        return Err(if shown.is_empty() {
            format!(
                "the theme vocabulary is missing: expected one of {}",
                THEME_VOCABULARIES.join(", ")
            )
        } else {
            format!(
                "unknown theme vocabulary {shown:?}: expected one of {}",
                THEME_VOCABULARIES.join(", ")
            )
        });
    };
    let trimmed = code.trim();
    if trimmed.is_empty() {
        return Err(format!(
            "the theme code is missing: {}",
            expected_codes(canonical_vocabulary)
        ));
    }
    let canonical_code = match canonical_vocabulary {
        "GCM" => normalize_gcm(trimmed).map(str::to_string),
        "SDG" => normalize_sdg(trimmed).map(str::to_string),
        "DAC" => normalize_dac(trimmed),
        _ => normalize_rtwg(trimmed).map(str::to_string),
    };
    match canonical_code {
        Some(code) => Ok(Theme {
            vocabulary: canonical_vocabulary.to_string(),
            code,
        }),
        None => Err(format!(
            "unknown code {trimmed:?} in vocabulary {canonical_vocabulary}: {}",
            expected_codes(canonical_vocabulary)
        )),
    }
}

/// The English label of a theme ("Facilitation of orderly, safe, regular and responsible
/// migration and mobility" for DAC 15190), or `None` for an invalid theme or a valid DAC
/// code that the table does not name. Non-canonical input is normalized first.
pub fn theme_label(theme: &Theme) -> Option<&'static str> {
    let theme = normalize_theme(&theme.vocabulary, &theme.code).ok()?;
    let code = theme.code.as_str();
    let found = match theme.vocabulary.as_str() {
        "GCM" => lookup(&GCM_OBJECTIVES, code),
        "SDG" => lookup(&SDG_GOALS, code).or_else(|| lookup(&SDG_TARGETS, code)),
        "DAC" => lookup(&DAC_PURPOSE_CODES, code)
            .or_else(|| lookup(&DAC_CATEGORIES, code))
            .or_else(|| lookup(&DAC_SECTOR_GROUPS, code)),
        _ => lookup(&RTWG_TOPICS, code),
    };
    found.map(|(_, label)| label)
}

/// Every named code of a vocabulary (any case) with its label: GCM objectives; SDG goals then
/// targets; DAC sector headings, categories, then purpose codes; RTWG topics. Empty for an
/// unknown vocabulary.
pub fn theme_codes(vocabulary: &str) -> Vec<(&'static str, &'static str)> {
    match theme_vocabulary(vocabulary) {
        Some("GCM") => GCM_OBJECTIVES.to_vec(),
        Some("SDG") => SDG_GOALS.iter().chain(&SDG_TARGETS).copied().collect(),
        Some("DAC") => DAC_SECTOR_GROUPS
            .iter()
            .chain(&DAC_CATEGORIES)
            .chain(&DAC_PURPOSE_CODES)
            .copied()
            .collect(),
        Some(_) => RTWG_TOPICS.to_vec(),
        None => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Target groups
// ---------------------------------------------------------------------------------------

/// The target groups, as (code, English label).
pub const TARGET_GROUPS: &[(&str, &str)] = &[
    ("MIGRANT_WORKERS", "Migrant workers"),
    ("TRAFFICKING_SURVIVORS", "Trafficking survivors"),
    ("CHILDREN_ON_THE_MOVE", "Children on the move"),
    ("WOMEN_AND_GIRLS", "Women and girls"),
    ("RETURNEES", "Returnees"),
    ("DIASPORA", "Diaspora"),
    ("REFUGEES_AND_ASYLUM_SEEKERS", "Refugees and asylum seekers"),
    ("GOVERNMENT_OFFICIALS", "Government officials"),
    ("EMPLOYERS_AND_RECRUITERS", "Employers and recruiters"),
    ("CIVIL_SOCIETY", "Civil society"),
];

/// The canonical code of a target group, case-insensitively, with spaces and hyphens read
/// as underscores ("migrant workers" → "MIGRANT_WORKERS").
pub fn target_group(input: &str) -> Option<&'static str> {
    let wanted: String = input
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    TARGET_GROUPS
        .iter()
        .find(|(code, _)| *code == wanted)
        .map(|(code, _)| *code)
}

/// The English label of a target group (any spelling [`target_group`] accepts).
pub fn target_group_label(code: &str) -> Option<&'static str> {
    let code = target_group(code)?;
    TARGET_GROUPS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(vocabulary: &str, code: &str) -> Theme {
        Theme {
            vocabulary: vocabulary.to_string(),
            code: code.to_string(),
        }
    }

    // --- countries -----------------------------------------------------------------------

    #[test]
    fn country_table_is_complete_sorted_and_unique() {
        assert_eq!(countries().count(), 249);
        let alpha2: Vec<&str> = countries().map(|c| c.alpha2).collect();
        let mut sorted = alpha2.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(alpha2, sorted, "alpha-2 codes sorted and unique");
        let mut alpha3: Vec<&str> = countries().map(|c| c.alpha3).collect();
        alpha3.sort_unstable();
        alpha3.dedup();
        assert_eq!(alpha3.len(), 249, "alpha-3 codes unique");
        let mut numeric: Vec<&str> = countries().map(|c| c.numeric).collect();
        numeric.sort_unstable();
        numeric.dedup();
        assert_eq!(numeric.len(), 249, "numeric codes unique");
        for c in countries() {
            assert!(c.alpha2.len() == 2 && c.alpha2.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(c.alpha3.len() == 3 && c.alpha3.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(c.numeric.len() == 3 && c.numeric.bytes().all(|b| b.is_ascii_digit()));
            assert!(!c.name.is_empty());
            // Every country's M49 chain is made of known areas and ends at the World.
            let areas: Vec<&str> = c.m49_areas().collect();
            assert_eq!(areas.last(), Some(&"001"), "{}", c.alpha2);
            for area in &areas {
                assert!(
                    region(area).is_some_and(|r| r.is_m49()),
                    "{} {area}",
                    c.alpha2
                );
            }
            if let Some(sub) = c.sub_region {
                assert_eq!(
                    region(sub).unwrap().kind,
                    RegionKind::SubRegion,
                    "{}",
                    c.alpha2
                );
            }
            if let Some(inter) = c.intermediate_region {
                let r = region(inter).unwrap();
                assert_eq!(r.kind, RegionKind::IntermediateRegion);
                assert_eq!(r.parent, c.sub_region, "{}", c.alpha2);
            }
        }
    }

    #[test]
    fn country_lookups() {
        assert_eq!(country_alpha2("TH"), Some("TH"));
        assert_eq!(country_alpha2("th"), Some("TH"));
        assert_eq!(country_alpha2(" tha "), Some("TH"));
        assert_eq!(country_alpha2("KHM"), Some("KH"));
        assert_eq!(country_alpha2("lao"), Some("LA"));
        assert_eq!(country_alpha2("VNM"), Some("VN"));
        assert_eq!(country_alpha2("KOR"), Some("KR"));
        assert_eq!(country_alpha2("PRK"), Some("KP"));
        assert_eq!(country_alpha2("GBR"), Some("GB"));
        assert_eq!(country_alpha2("AX"), Some("AX"));
        assert_eq!(country_alpha2("XX"), None);
        assert_eq!(
            country_alpha2("UK"),
            None,
            "UK is only exceptionally reserved"
        );
        assert_eq!(
            country_alpha2("XK"),
            None,
            "Kosovo has no official ISO code"
        );
        assert_eq!(country_alpha2("ZZZ"), None);
        assert_eq!(country_alpha2(""), None);
        assert_eq!(country_alpha2("T"), None);
        assert_eq!(country_alpha2("THAI"), None);
        assert_eq!(country_alpha2("T1"), None);
        assert_eq!(country_alpha2("ÄÄ"), None);
        assert_eq!(country_alpha2("ไทย"), None);
        assert_eq!(country_name("VN"), Some("Viet Nam"));
        assert_eq!(country_name("th"), Some("Thailand"));
        assert_eq!(country_name("KOR"), Some("Korea, Republic of"));
        assert_eq!(country_name("QQ"), None);
        let th = country("TH").unwrap();
        assert_eq!((th.alpha3, th.numeric), ("THA", "764"));
    }

    #[test]
    fn countries_sit_in_their_m49_sub_regions() {
        let expect = [
            ("TH", "035"),
            ("KH", "035"),
            ("LA", "035"),
            ("MM", "035"),
            ("VN", "035"),
            ("PH", "035"),
            ("ID", "035"),
            ("TL", "035"),
            ("CN", "030"),
            ("JP", "030"),
            ("KR", "030"),
            ("KP", "030"),
            ("MN", "030"),
            ("HK", "030"),
            ("MO", "030"),
            ("IN", "034"),
            ("BD", "034"),
            ("NP", "034"),
            ("LK", "034"),
            ("PK", "034"),
            ("AF", "034"),
            ("IR", "034"),
            ("KZ", "143"),
            ("UZ", "143"),
            ("TJ", "143"),
            ("KG", "143"),
            ("TM", "143"),
            ("TR", "145"),
            ("GE", "145"),
            ("AM", "145"),
            ("AZ", "145"),
            ("AU", "053"),
            ("NZ", "053"),
            ("FJ", "054"),
            ("PG", "054"),
            ("KI", "057"),
            ("WS", "061"),
            ("RU", "151"),
            ("FR", "155"),
            ("NL", "155"),
            ("GB", "154"),
            ("US", "021"),
            ("MX", "419"),
        ];
        for (alpha2, sub) in expect {
            assert_eq!(country(alpha2).unwrap().sub_region, Some(sub), "{alpha2}");
        }
        assert_eq!(country("AQ").unwrap().sub_region, None);
        assert_eq!(country("MX").unwrap().intermediate_region, Some("013"));
        assert_eq!(
            country("TH").unwrap().m49_areas().collect::<Vec<_>>(),
            ["035", "142", "001"]
        );
        assert_eq!(
            country("KE").unwrap().m49_areas().collect::<Vec<_>>(),
            ["014", "202", "002", "001"]
        );
        assert_eq!(
            country("AQ").unwrap().m49_areas().collect::<Vec<_>>(),
            ["001"]
        );
    }

    // --- regions -------------------------------------------------------------------------

    #[test]
    fn region_table_is_consistent() {
        let codes: Vec<&str> = regions().map(|r| r.code).collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "codes unique");
        for r in regions() {
            match r.kind {
                RegionKind::World => assert_eq!(r.parent, None),
                RegionKind::Group => {
                    assert_eq!(r.parent, None);
                    assert!(!r.members.is_empty());
                    for m in r.members {
                        assert_eq!(country_alpha2(m), Some(*m), "{} member {m}", r.code);
                    }
                }
                _ => {
                    assert!(r.code.len() == 3 && r.code.bytes().all(|b| b.is_ascii_digit()));
                    let parent = region(r.parent.unwrap()).unwrap();
                    assert!(parent.is_m49());
                    assert!(r.members.is_empty());
                    assert!(r.countries().next().is_some(), "{} has countries", r.code);
                }
            }
        }
        for (code, name) in [
            ("001", "World"),
            ("002", "Africa"),
            ("019", "Americas"),
            ("142", "Asia"),
            ("150", "Europe"),
            ("009", "Oceania"),
            ("030", "Eastern Asia"),
            ("034", "Southern Asia"),
            ("035", "South-eastern Asia"),
            ("143", "Central Asia"),
            ("145", "Western Asia"),
            ("053", "Australia and New Zealand"),
            ("054", "Melanesia"),
            ("057", "Micronesia"),
            ("061", "Polynesia"),
            ("015", "Northern Africa"),
            ("202", "Sub-Saharan Africa"),
            ("014", "Eastern Africa"),
            ("017", "Middle Africa"),
            ("018", "Southern Africa"),
            ("011", "Western Africa"),
            ("419", "Latin America and the Caribbean"),
            ("029", "Caribbean"),
            ("013", "Central America"),
            ("005", "South America"),
            ("021", "Northern America"),
            ("151", "Eastern Europe"),
            ("154", "Northern Europe"),
            ("039", "Southern Europe"),
            ("155", "Western Europe"),
        ] {
            assert_eq!(region(code).map(|r| r.name), Some(name), "{code}");
        }
    }

    #[test]
    fn region_lookup_forms() {
        assert_eq!(region("035").unwrap().code, "035");
        assert_eq!(region("35").unwrap().code, "035");
        assert_eq!(region(" 35 ").unwrap().code, "035");
        assert_eq!(region("1").unwrap().code, "001");
        assert_eq!(region("9").unwrap().code, "009");
        assert_eq!(region("escap").unwrap().code, "ESCAP");
        assert_eq!(region("ESCAP").unwrap().code, "ESCAP");
        assert_eq!(region("south-eastern asia").unwrap().code, "035");
        assert_eq!(region("Asia").unwrap().code, "142");
        assert!(region("0035").is_none());
        assert!(region("036").is_none());
        assert!(region("").is_none());
        assert!(region("Asia-Pacific").is_none());
        assert!(region("-35").is_none());
    }

    #[test]
    fn escap_membership() {
        assert_eq!(ESCAP_MEMBERS.len(), 53);
        assert_eq!(ESCAP_ASSOCIATE_MEMBERS.len(), 9);
        let escap = region("ESCAP").unwrap();
        assert_eq!(escap.members.len(), 62);
        let mut all: Vec<&str> = ESCAP_MEMBERS
            .iter()
            .chain(ESCAP_ASSOCIATE_MEMBERS)
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(
            all.len(),
            62,
            "no duplicates, members and associates disjoint"
        );
        let mut members: Vec<&str> = escap.members.to_vec();
        members.sort_unstable();
        assert_eq!(members, all);
        for code in [
            "TH", "KH", "FR", "GB", "US", "NL", "RU", "TR", "GE", "HK", "MO", "CK", "NU",
        ] {
            assert!(region_contains_country("ESCAP", code), "{code}");
        }
        for code in ["DE", "CA", "SA", "AE", "TW", "IQ", "DZ"] {
            assert!(!region_contains_country("ESCAP", code), "{code}");
        }
        assert_eq!(escap.countries().count(), 62);
    }

    #[test]
    fn region_contains_country_via_hierarchy() {
        assert!(region_contains_country("035", "TH"));
        assert!(region_contains_country("35", "tha"));
        assert!(region_contains_country("142", "TH"));
        assert!(region_contains_country("001", "TH"));
        assert!(region_contains_country("001", "AQ"));
        assert!(!region_contains_country("030", "TH"));
        assert!(!region_contains_country("150", "TH"));
        assert!(region_contains_country("202", "KE"));
        assert!(region_contains_country("014", "KE"));
        assert!(region_contains_country("002", "KE"));
        assert!(region_contains_country("019", "MX"));
        assert!(!region_contains_country("035", "XX"));
        assert!(!region_contains_country("999", "TH"));
        // The sub-regions of Asia, listed in M49, partition it.
        let asia = region("142").unwrap().countries().count();
        let parts: usize = ["030", "034", "035", "143", "145"]
            .iter()
            .map(|code| region(code).unwrap().countries().count())
            .sum();
        assert_eq!(asia, parts);
        assert_eq!(region("035").unwrap().countries().count(), 11);
        assert_eq!(region("001").unwrap().countries().count(), 249);
    }

    #[test]
    fn region_contains_region_rules() {
        assert!(region_contains_region("142", "035"));
        assert!(region_contains_region("001", "035"));
        assert!(region_contains_region("035", "035"));
        assert!(region_contains_region("35", "035"));
        assert!(region_contains_region("002", "014"));
        assert!(region_contains_region("202", "014"));
        assert!(!region_contains_region("035", "142"));
        assert!(!region_contains_region("030", "035"));
        assert!(!region_contains_region("150", "014"));
        assert!(region_contains_region("ESCAP", "035"));
        assert!(region_contains_region("ESCAP", "054"));
        assert!(
            !region_contains_region("ESCAP", "053"),
            "053 includes Norfolk Island, Christmas Island..."
        );
        assert!(
            !region_contains_region("ESCAP", "030"),
            "030 includes Taiwan"
        );
        assert!(region_contains_region("ESCAP", "143"));
        assert!(
            !region_contains_region("ESCAP", "145"),
            "Western Asia is not all ESCAP"
        );
        assert!(!region_contains_region("ESCAP", "142"));
        assert!(region_contains_region("001", "ESCAP"));
        assert!(
            !region_contains_region("142", "ESCAP"),
            "ESCAP has FR, GB, NL, US"
        );
        assert!(region_contains_region("ESCAP", "escap"));
        assert!(!region_contains_region("ESCAP", "999"));
        assert!(!region_contains_region("999", "035"));
    }

    // --- themes --------------------------------------------------------------------------

    #[test]
    fn theme_vocabulary_names() {
        assert_eq!(theme_vocabulary("gcm"), Some("GCM"));
        assert_eq!(theme_vocabulary(" Sdg "), Some("SDG"));
        assert_eq!(theme_vocabulary("dac"), Some("DAC"));
        assert_eq!(theme_vocabulary("rtwg"), Some("RTWG"));
        assert_eq!(theme_vocabulary("IATI"), None);
        assert_eq!(theme_vocabulary(""), None);
    }

    #[test]
    fn gcm_codes() {
        for input in [
            "GCM-10",
            "gcm10",
            "10",
            "objective 10",
            "GCM objective 10",
            "gcm_10",
            " GCM 10 ",
            "010",
            "Objective-10",
        ] {
            assert_eq!(
                normalize_theme("GCM", input),
                Ok(theme("GCM", "10")),
                "{input}"
            );
        }
        assert_eq!(normalize_theme("gcm", "1"), Ok(theme("GCM", "1")));
        assert_eq!(normalize_theme("gcm", "23"), Ok(theme("GCM", "23")));
        for bad in [
            "0", "24", "GCM", "gcm-", "10.7", "ten", "-10", "GCM-1O", "100", "1 0",
        ] {
            let err = normalize_theme("GCM", bad).unwrap_err();
            assert!(err.contains("in vocabulary GCM"), "{bad}: {err}");
        }
        assert_eq!(
            normalize_theme("GCM", "24").unwrap_err(),
            "unknown code \"24\" in vocabulary GCM: expected a Global Compact for Migration objective number from 1 to 23, such as \"10\" or \"GCM-10\""
        );
        assert_eq!(GCM_OBJECTIVES.len(), 23);
        for (i, (code, label)) in GCM_OBJECTIVES.iter().enumerate() {
            assert_eq!(code.parse::<usize>().unwrap(), i + 1);
            assert!(!label.is_empty());
        }
        assert_eq!(
            theme_label(&theme("GCM", "GCM-20")),
            Some(
                "Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants"
            )
        );
    }

    #[test]
    fn sdg_target_table_is_the_real_list() {
        // Number of targets per goal, 169 in all.
        let per_goal = [7, 8, 13, 10, 9, 8, 5, 12, 8, 10, 10, 11, 5, 10, 12, 12, 19];
        assert_eq!(per_goal.iter().sum::<usize>(), 169);
        for (goal, expected) in (1..=17).zip(per_goal) {
            let prefix = format!("{goal}.");
            let count = SDG_TARGETS
                .iter()
                .filter(|(c, _)| c.starts_with(&prefix))
                .count();
            assert_eq!(count, expected, "goal {goal}");
        }
        // Numbered targets run 1..n without gaps, then letters a.. without gaps.
        for goal in 1..=17 {
            let prefix = format!("{goal}.");
            let suffixes: Vec<&str> = SDG_TARGETS
                .iter()
                .filter_map(|(c, _)| c.strip_prefix(&prefix))
                .collect();
            let numbers: Vec<usize> = suffixes.iter().filter_map(|s| s.parse().ok()).collect();
            assert_eq!(
                numbers,
                (1..=numbers.len()).collect::<Vec<_>>(),
                "goal {goal}"
            );
            let letters: Vec<&str> = suffixes
                .iter()
                .filter(|s| s.parse::<usize>().is_err())
                .copied()
                .collect();
            let expected: Vec<String> = (0..letters.len())
                .map(|i| ((b'a' + i as u8) as char).to_string())
                .collect();
            assert_eq!(letters, expected, "goal {goal}");
        }
        // Goal 17 has no lettered targets; goal 16 ends at 16.10 and 16.b.
        assert!(
            SDG_TARGETS
                .iter()
                .all(|(c, _)| !c.starts_with("17.") || c[3..].parse::<u32>().is_ok())
        );
        assert!(lookup(&SDG_TARGETS, "16.10").is_some());
        assert!(lookup(&SDG_TARGETS, "16.c").is_none());
        assert!(lookup(&SDG_TARGETS, "17.19").is_some());
        assert!(lookup(&SDG_TARGETS, "17.20").is_none());
    }

    #[test]
    fn sdg_codes() {
        for (input, expected) in [
            ("10.7", "10.7"),
            ("10.c", "10.c"),
            ("10.C", "10.c"),
            ("SDG 10.7", "10.7"),
            ("sdg10.7", "10.7"),
            ("SDG-16.2", "16.2"),
            ("target 8.7", "8.7"),
            ("8.8", "8.8"),
            ("5.2", "5.2"),
            ("16.9", "16.9"),
            ("17.18", "17.18"),
            ("8.10", "8.10"),
            ("16.10", "16.10"),
            ("10", "10"),
            ("SDG 10", "10"),
            ("goal 5", "5"),
            ("05", "5"),
            ("05.2", "5.2"),
        ] {
            assert_eq!(
                normalize_theme("sdg", input),
                Ok(theme("SDG", expected)),
                "{input}"
            );
        }
        for bad in [
            "0", "18", "10.8", "10.d", "8.01", "8.1.1", "10.", ".7", "10.7a", "10.aa", "1 0.7",
            "10,7", "SDG", "x",
        ] {
            let err = normalize_theme("SDG", bad).unwrap_err();
            assert!(
                err.starts_with(&format!("unknown code {bad:?} in vocabulary SDG")),
                "{bad}: {err}"
            );
        }
        assert_eq!(
            theme_label(&theme("SDG", "10")),
            Some("Reduced inequalities")
        );
        assert_eq!(
            theme_label(&theme("SDG", "10.7")),
            Some("Orderly, safe, regular and responsible migration and mobility of people")
        );
        assert_eq!(
            theme_label(&theme("SDG", "10.C")),
            Some("Reduce the transaction costs of migrant remittances")
        );
    }

    #[test]
    fn dac_tables_are_consistent() {
        let mut codes: Vec<&str> = DAC_PURPOSE_CODES.iter().map(|(c, _)| *c).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        codes.dedup();
        for (code, name) in &DAC_PURPOSE_CODES {
            assert!(
                code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()),
                "{code}"
            );
            assert!(
                lookup(&DAC_CATEGORIES, &code[..3]).is_some(),
                "{code} has a category"
            );
            assert!(!name.is_empty());
        }
        for (code, _) in DAC_CATEGORIES.iter().chain(&DAC_SECTOR_GROUPS) {
            assert!(
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()),
                "{code}"
            );
        }
    }

    #[test]
    fn dac_codes() {
        for code in [
            "15190", "15136", "15180", "72010", "72050", "73010", "74020", "16010", "99810",
            "13010", "24050", "15160", "16070",
        ] {
            assert_eq!(
                normalize_theme("DAC", code),
                Ok(theme("DAC", code)),
                "{code}"
            );
        }
        // Unknown to the table but in a known category: valid.
        assert_eq!(normalize_theme("dac", " 15199 "), Ok(theme("DAC", "15199")));
        // Categories and sector headings.
        for code in [
            "151", "152", "110", "120", "130", "150", "160", "720", "998",
        ] {
            assert_eq!(
                normalize_theme("DAC", code),
                Ok(theme("DAC", code)),
                "{code}"
            );
        }
        for bad in [
            "99999", "15", "1519", "151900", "ABCDE", "100", "11099", "-15190", "15 190", "٣٣٣",
        ] {
            let err = normalize_theme("DAC", bad).unwrap_err();
            assert!(err.contains("in vocabulary DAC"), "{bad}: {err}");
        }
        assert_eq!(
            theme_label(&theme("DAC", "15190")),
            Some("Facilitation of orderly, safe, regular and responsible migration and mobility")
        );
        assert_eq!(theme_label(&theme("DAC", "15136")), Some("Immigration"));
        assert_eq!(
            theme_label(&theme("DAC", "15180")),
            Some("Ending violence against women and girls")
        );
        assert_eq!(
            theme_label(&theme("DAC", "151")),
            Some("Government and civil society, general")
        );
        assert_eq!(
            theme_label(&theme("DAC", "150")),
            Some("Government and civil society")
        );
        assert_eq!(
            theme_label(&theme("DAC", "15199")),
            None,
            "valid but unnamed"
        );
    }

    #[test]
    fn rtwg_codes() {
        for (input, expected) in [
            ("labour-migration", "labour-migration"),
            ("Labour_Migration", "labour-migration"),
            ("labour migration", "labour-migration"),
            ("TRAFFICKING", "trafficking"),
            ("family and children", "family-and-children"),
            ("statistics_and_data", "statistics-and-data"),
            ("Regional Cooperation", "regional-cooperation"),
            ("policy-coherence", "policy-coherence"),
            ("international marriage", "international-marriage"),
            ("remittances", "remittances"),
            ("gender", "gender"),
            ("health", "health"),
        ] {
            assert_eq!(
                normalize_theme("RTWG", input),
                Ok(theme("RTWG", expected)),
                "{input}"
            );
        }
        let err = normalize_theme("RTWG", "labor-migration").unwrap_err();
        assert!(err.starts_with("unknown code \"labor-migration\" in vocabulary RTWG: expected one of labour-migration, trafficking,"), "{err}");
        assert_eq!(
            theme_label(&theme("rtwg", "Trafficking")),
            Some("Trafficking in persons")
        );
    }

    #[test]
    fn theme_errors_name_the_problem() {
        assert_eq!(
            normalize_theme("IATI", "10").unwrap_err(),
            "unknown theme vocabulary \"IATI\": expected one of GCM, SDG, DAC, RTWG"
        );
        assert_eq!(
            normalize_theme(" ", "10").unwrap_err(),
            "the theme vocabulary is missing: expected one of GCM, SDG, DAC, RTWG"
        );
        assert!(
            normalize_theme("GCM", "  ")
                .unwrap_err()
                .starts_with("the theme code is missing: expected a Global Compact")
        );
        assert_eq!(theme_label(&theme("IATI", "10")), None);
        assert_eq!(theme_label(&theme("GCM", "99")), None);
    }

    #[test]
    fn theme_codes_list_every_vocabulary() {
        assert_eq!(theme_codes("gcm").len(), 23);
        assert_eq!(theme_codes("SDG").len(), 17 + 169);
        assert_eq!(theme_codes("DAC").len(), 6 + 44 + DAC_PURPOSE_CODES.len());
        assert_eq!(theme_codes("RTWG").len(), 10);
        assert!(theme_codes("nope").is_empty());
        // Every listed code normalizes to itself and has its label.
        for vocabulary in THEME_VOCABULARIES {
            for (code, label) in theme_codes(vocabulary) {
                let t = normalize_theme(vocabulary, code).unwrap();
                assert_eq!(t.code, code, "{vocabulary} {code}");
                assert_eq!(theme_label(&t), Some(label), "{vocabulary} {code}");
            }
        }
    }

    #[test]
    fn normalize_theme_is_idempotent() {
        for (vocabulary, code) in [
            ("gcm", "GCM-10"),
            ("sdg", "SDG 10.C"),
            ("dac", "15190"),
            ("rtwg", "Labour Migration"),
        ] {
            let once = normalize_theme(vocabulary, code).unwrap();
            assert_eq!(
                normalize_theme(&once.vocabulary, &once.code),
                Ok(once.clone())
            );
        }
    }

    // --- target groups -------------------------------------------------------------------

    #[test]
    fn target_groups() {
        assert_eq!(TARGET_GROUPS.len(), 10);
        assert_eq!(target_group("MIGRANT_WORKERS"), Some("MIGRANT_WORKERS"));
        assert_eq!(target_group("migrant workers"), Some("MIGRANT_WORKERS"));
        assert_eq!(
            target_group(" Children-on-the-move "),
            Some("CHILDREN_ON_THE_MOVE")
        );
        assert_eq!(
            target_group("refugees and asylum seekers"),
            Some("REFUGEES_AND_ASYLUM_SEEKERS")
        );
        assert_eq!(target_group("civil_society"), Some("CIVIL_SOCIETY"));
        assert_eq!(target_group("migrants"), None);
        assert_eq!(target_group(""), None);
        assert_eq!(
            target_group_label("women and girls"),
            Some("Women and girls")
        );
        assert_eq!(target_group_label("nobody"), None);
        for (code, _) in TARGET_GROUPS {
            assert_eq!(target_group(code), Some(*code));
        }
    }
}
