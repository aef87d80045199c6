//! `concord bench iati`: IATI import throughput and memory on a generated publisher file.
//!
//! Generates an `iati-activities` file of `--size-mb` megabytes (50 by default) whose
//! activities look like a UN agency's (two-language titles and descriptions, participating
//! organisations, dates, contact, location, DAC and own-vocabulary sectors, SDG tags,
//! budgets, transactions, a document link), then measures in this process, each phase with
//! its own peak-memory mark (`VmHWM`, reset through `/proc/self/clear_refs` before it):
//!
//! 1. the baseline: a raw quick-xml event scan of the same file (what reading alone costs);
//! 2. the import: `concord::iati::Importer` (parse, map, validate every activity), the work
//!    `concord import iati` does before it talks to the node;
//! 3. the import of a file a tenth of the size: its peak memory beside the whole file's
//!    shows that memory does not grow with the file.
//!
//! Results as a table, or JSON with `-o json`; progress on standard error.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use concord::iati::{ImportContext, Importer, MemberDirectory};
use concord::report::Date;

use super::OutputFormat;

/// `concord bench iati`.
#[derive(Args, Debug)]
pub struct IatiBenchArgs {
    /// Size of the generated file, in megabytes (10^6 bytes).
    #[arg(long, default_value_t = 50.0)]
    size_mb: f64,
    /// Where the generated files go (a temporary directory is made inside it and removed).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,
}

#[derive(Debug, Serialize)]
struct Phase {
    name: &'static str,
    bytes: u64,
    activities: u64,
    seconds: f64,
    activities_per_second: f64,
    megabytes_per_second: f64,
    peak_memory_bytes: u64,
}

#[derive(Debug, Serialize)]
struct Results {
    file_bytes: u64,
    activities: u64,
    release_build: bool,
    baseline: Phase,
    import: Phase,
    small_import: Phase,
    import_over_baseline: f64,
    imported: u64,
    rejected: u64,
}

/// A `/proc/self/status` value in bytes (`VmHWM`); 0 where unavailable.
fn proc_status_bytes(key: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(key)?.strip_prefix(':')?;
            let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

/// Resets the peak-memory mark (`VmHWM`) to the current resident size (Linux).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

const COUNTRIES: [&str; 12] = [
    "TH", "KH", "LA", "MM", "VN", "PH", "ID", "MY", "BD", "NP", "LK", "SO",
];
const DAC_CODES: [&str; 6] = ["15190", "72010", "15180", "13010", "16010", "15160"];
const SDG_TARGETS: [&str; 5] = ["10.7", "8.7", "16.2", "5.2", "8.8"];
const DONORS: [(&str, &str); 4] = [
    ("XM-DAC-701-2", "Japan - Ministry of Foreign Affairs"),
    ("XM-DAC-918-3", "European Commission - Humanitarian Aid"),
    (
        "GB-GOV-1",
        "UK - Foreign, Commonwealth and Development Office",
    ),
    ("XM-DAC-5-7", "Germany - Federal Foreign Office"),
];

/// One generated activity, about 5 KB.
fn activity(n: u64) -> String {
    let pick = |list_len: usize, salt: u64| {
        ((n.wrapping_mul(2_654_435_761) ^ salt) % list_len as u64) as usize
    };
    let country = COUNTRIES[pick(COUNTRIES.len(), 1)];
    let (donor_ref, donor_name) = DONORS[pick(DONORS.len(), 2)];
    let dac1 = DAC_CODES[pick(DAC_CODES.len(), 3)];
    let dac2 = DAC_CODES[pick(DAC_CODES.len(), 4)];
    let sdg = SDG_TARGETS[pick(SDG_TARGETS.len(), 5)];
    let year = 2010 + (n % 10);
    let month = 1 + n % 12;
    let status = 2 + n % 3;
    let mut transactions = String::new();
    for t in 0..4 {
        transactions.push_str(&format!(
            r#"  <transaction>
   <transaction-type code="{}"/>
   <transaction-date iso-date="{year}-{month:02}-{:02}"/>
   <value currency="USD" value-date="{year}-{month:02}-01">{}.{:02}</value>
   <provider-org provider-activity-id="{donor_ref}-{n}" ref="{donor_ref}" type="10">
    <narrative>{donor_name}</narrative>
   </provider-org>
   <flow-type code="10"/>
   <finance-type code="110"/>
   <aid-type code="C01"/>
  </transaction>
"#,
            if t == 0 { 11 } else { 3 },
            1 + t * 7,
            100_000 + (n * 37 + t) % 900_000,
            (n + t) % 100
        ));
    }
    format!(
        r#" <iati-activity xml:lang="en" default-currency="USD" humanitarian="{humanitarian}" last-updated-datetime="2021-02-26T11:20:25Z">
  <iati-identifier>XM-DAC-47066-BENCH.{n}</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40">
   <narrative>International Organization for Migration (IOM)</narrative>
  </reporting-org>
  <title>
   <narrative>Protection of migrant workers and victims of trafficking in {country}, phase {n}</narrative>
   <narrative xml:lang="fr">Protection des travailleurs migrants et des victimes de la traite ({country}), phase {n}</narrative>
  </title>
  <description type="1">
   <narrative>The project strengthens the capacity of government officials, employers and civil society in {country} to identify and protect victims of trafficking and exploited migrant workers, through training, referral mechanisms, shelters and legal aid, and supports safe and regular labour migration with pre-departure orientation, fair recruitment and access to remittance services. Activity {n} of the regional programme &amp; its partners.</narrative>
   <narrative xml:lang="fr">Le projet renforce les capacités des autorités, des employeurs et de la société civile pour identifier et protéger les victimes de la traite et les travailleurs migrants exploités. Activité {n}.</narrative>
  </description>
  <description type="2">
   <narrative>Objectives: fewer victims unidentified; safer recruitment.</narrative>
  </description>
  <participating-org activity-id="{donor_ref}-{n}" ref="{donor_ref}" role="1" type="10">
   <narrative>{donor_name}</narrative>
  </participating-org>
  <participating-org ref="XM-DAC-47066" role="2" type="40">
   <narrative>International Organization for Migration (IOM)</narrative>
  </participating-org>
  <participating-org role="4" type="22">
   <narrative>National Anti-Trafficking Committee of {country}</narrative>
  </participating-org>
  <activity-status code="{status}"/>
  <activity-date iso-date="{year}-{month:02}-01" type="1"/>
  <activity-date iso-date="{year}-{month:02}-15" type="2">
   <narrative>Actual</narrative>
  </activity-date>
  <activity-date iso-date="{end_year}-{month:02}-28" type="3"/>
  <contact-info type="1">
   <organisation>
    <narrative>IOM - {country}</narrative>
   </organisation>
   <email>iom{country_lower}@example.org</email>
   <website>https://www.example.org/{country_lower}</website>
  </contact-info>
  <recipient-country code="{country}" percentage="100"/>
  <location>
   <location-reach code="1"/>
   <name>
    <narrative>IOM Country Office - {country}</narrative>
   </name>
   <point srsName="http://www.opengis.net/def/crs/EPSG/0/4326">
    <pos>13.7563 100.5018</pos>
   </point>
  </location>
  <sector code="{dac1}" vocabulary="1" percentage="60"/>
  <sector code="{dac2}" vocabulary="1" percentage="40"/>
  <sector code="DP" vocabulary="99" vocabulary-uri="https://data.iom.int/codelist/sector.pdf">
   <narrative>Internally Displaced Persons</narrative>
  </sector>
  <tag code="{sdg}" vocabulary="3"/>
  <policy-marker code="1" significance="1" vocabulary="1"/>
  <default-aid-type code="C01" vocabulary="1"/>
  <budget status="2" type="1">
   <period-start iso-date="{year}-01-01"/>
   <period-end iso-date="{year}-12-31"/>
   <value currency="USD" value-date="{year}-01-01">{budget}</value>
  </budget>
  <budget status="1" type="1">
   <period-start iso-date="{end_year}-01-01"/>
   <period-end iso-date="{end_year}-12-31"/>
   <value currency="USD" value-date="{end_year}-01-01">{budget}</value>
  </budget>
{transactions}  <document-link format="application/pdf" url="https://www.example.org/reports/{n}.pdf">
   <title>
    <narrative>Progress report</narrative>
   </title>
   <category code="A07"/>
   <language code="en"/>
   <document-date iso-date="{end_year}-03-01"/>
  </document-link>
  <related-activity ref="XM-DAC-47066-BENCH.{parent}" type="1"/>
 </iati-activity>
"#,
        humanitarian = n % 2,
        end_year = year + 1,
        country_lower = country.to_ascii_lowercase(),
        budget = 250_000 + (n * 91) % 1_000_000,
        parent = n / 10,
    )
}

/// Writes a document of at least `bytes` bytes; returns its size and activity count.
fn generate(path: &Path, bytes: u64) -> anyhow::Result<(u64, u64)> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let header = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"2021-02-26T11:20:25Z\">\n";
    out.write_all(header.as_bytes())?;
    let mut written = header.len() as u64;
    let mut activities = 0;
    while written < bytes {
        let text = activity(activities);
        out.write_all(text.as_bytes())?;
        written += text.len() as u64;
        activities += 1;
    }
    out.write_all(b"</iati-activities>\n")?;
    out.flush()?;
    Ok((written + 19, activities))
}

fn open(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufReader::with_capacity(256 * 1024, file))
}

/// The baseline: every event of the file read with quick-xml, activities counted.
fn raw_scan(path: &Path, bytes: u64) -> anyhow::Result<Phase> {
    reset_peak_memory();
    let started = Instant::now();
    let mut reader = quick_xml::Reader::from_reader(open(path)?);
    let mut buffer = Vec::new();
    let mut activities = 0u64;
    loop {
        match reader.read_event_into(&mut buffer)? {
            quick_xml::events::Event::Start(start) if start.name().0 == "iati-activity" => {
                activities += 1;
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(phase(
        "raw quick-xml event scan (baseline)",
        bytes,
        activities,
        started.elapsed().as_secs_f64(),
    ))
}

fn phase(name: &'static str, bytes: u64, activities: u64, seconds: f64) -> Phase {
    Phase {
        name,
        bytes,
        activities,
        seconds,
        activities_per_second: activities as f64 / seconds.max(1e-9),
        megabytes_per_second: bytes as f64 / 1e6 / seconds.max(1e-9),
        peak_memory_bytes: proc_status_bytes("VmHWM"),
    }
}

/// The import: parse, map and validate every activity. Returns the phase and the counts of
/// mapped and refused activities.
fn import(path: &Path, bytes: u64, name: &'static str) -> anyhow::Result<(Phase, u64, u64)> {
    let context = ImportContext {
        members: MemberDirectory::default_members(),
        today: Date::from_unix_seconds(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        known_reports: Default::default(),
    };
    reset_peak_memory();
    let started = Instant::now();
    let (mut mapped, mut refused) = (0u64, 0u64);
    let input: Box<dyn BufRead> = Box::new(open(path)?);
    for activity in Importer::new(input, context) {
        match activity?.outcome {
            Ok(_) => mapped += 1,
            Err(_) => refused += 1,
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok((
        phase(name, bytes, mapped + refused, seconds),
        mapped,
        refused,
    ))
}

pub async fn run(args: IatiBenchArgs) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || run_blocking(args))
        .await
        .context("the IATI benchmark panicked")?
}

fn run_blocking(args: IatiBenchArgs) -> anyhow::Result<()> {
    if !(args.size_mb > 0.0 && args.size_mb.is_finite()) {
        anyhow::bail!("--size-mb must be a positive number");
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix("concord-bench-iati-")
        .tempdir_in(&args.dir)
        .with_context(|| {
            format!(
                "cannot create a scratch directory in {}",
                args.dir.display()
            )
        })?;
    let big = scratch.path().join("activities.xml");
    let small = scratch.path().join("activities-tenth.xml");
    let target = (args.size_mb * 1e6) as u64;
    eprintln!(
        "concord bench iati: generating {:.1} MB of IATI activities",
        args.size_mb
    );
    let (file_bytes, activities) = generate(&big, target)?;
    let (small_bytes, _) = generate(&small, target / 10)?;
    eprintln!("1/3 raw quick-xml event scan");
    let baseline = raw_scan(&big, file_bytes)?;
    eprintln!("2/3 import (parse + map + validate) of {activities} activities");
    let (import_phase, imported, rejected) =
        import(&big, file_bytes, "import: parse + map + validate")?;
    eprintln!("3/3 import of a file a tenth of the size");
    let (small_import, _, _) = import(&small, small_bytes, "import of a tenth of the file")?;
    let results = Results {
        file_bytes,
        activities,
        release_build: !cfg!(debug_assertions),
        import_over_baseline: import_phase.activities_per_second
            / baseline.activities_per_second.max(1e-9),
        baseline,
        import: import_phase,
        small_import,
        imported,
        rejected,
    };
    match args.output {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        OutputFormat::Table => print_table(&results),
    }
    Ok(())
}

fn print_table(results: &Results) {
    println!(
        "IATI import: generated file of {:.1} MB, {} activities ({} build)",
        results.file_bytes as f64 / 1e6,
        results.activities,
        if results.release_build {
            "release"
        } else {
            "debug"
        }
    );
    println!();
    println!(
        "| {:<38} | {:>8} | {:>13} | {:>8} | {:>16} |",
        "phase", "time", "activities/s", "MB/s", "peak memory"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(40),
        "-".repeat(10),
        "-".repeat(15),
        "-".repeat(10),
        "-".repeat(18)
    );
    for phase in [&results.baseline, &results.import, &results.small_import] {
        println!(
            "| {:<38} | {:>6.2} s | {:>13.0} | {:>8.1} | {:>12.1} MiB |",
            phase.name,
            phase.seconds,
            phase.activities_per_second,
            phase.megabytes_per_second,
            phase.peak_memory_bytes as f64 / (1024.0 * 1024.0)
        );
    }
    println!();
    println!(
        "import / raw scan throughput: {:.2} ({} mapped, {} refused)",
        results.import_over_baseline, results.imported, results.rejected
    );
    println!(
        "peak memory, whole file / tenth of it: {:.1} / {:.1} MiB (the reader holds one activity at a time)",
        results.import.peak_memory_bytes as f64 / (1024.0 * 1024.0),
        results.small_import.peak_memory_bytes as f64 / (1024.0 * 1024.0)
    );
}
