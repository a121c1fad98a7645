mod breaking;
mod compile;
mod validate;

use super::{ProtoFile, ProtoSchema};

/// Compiles `(path, source)` pairs, the first being the main file.
fn schema(files: &[(&str, &str)], message: Option<&str>) -> ProtoSchema {
    let files: Vec<ProtoFile<'_>> = files.iter().map(|(p, s)| ProtoFile::new(p, s)).collect();
    match ProtoSchema::compile(&files, message) {
        Ok(schema) => schema,
        Err(err) => panic!("test schema does not compile: {err}"),
    }
}
