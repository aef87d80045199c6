//! Compiles `proto/` into Rust with protox (no system `protoc`) and writes the descriptor
//! set that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "concord/v1/report.proto",
        "concord/v1/log.proto",
        "concord/v1/overlap.proto",
        "concord/v1/reports.proto",
        "concord/v1/replication.proto",
        "concord/v1/view.proto",
    ];
    for proto in &protos {
        println!("cargo:rerun-if-changed=proto/{proto}");
    }
    let file_descriptors = protox::compile(protos, ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor_path = out_dir.join("concord_descriptor.bin");
    std::fs::write(
        &descriptor_path,
        prost::Message::encode_to_vec(&file_descriptors),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(file_descriptors)?;
    Ok(())
}
