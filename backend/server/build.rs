// The console (web/dist) is embedded by rust-embed: rebuild when it is built, rebuilt or removed,
// so the binary never serves a console older than the one on disk.
fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
}
