//! `iamc compile -o` and `iamc inspect`, in-process: a manifest with several kinds and SCP
//! levels compiles to an artifact that the runtime loads and that decides like the set
//! compiled directly; `inspect` shows its build info and policies; a corrupt file is an
//! error (exit 1), never a panic.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use iamc::{Cli, Command, KindArg};

/// Run `iamc compile` / `iamc inspect` from their command-line words (a small parser, so the
/// tests need no clap).
fn run(args: &[&str]) -> (ExitCode, String, String) {
    let flag = |name: &str| args.contains(&name);
    let value = |name: &str| {
        args.iter()
            .position(|a| *a == name)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    let positional: Vec<PathBuf> = args[1..]
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with('-') && !matches!(args.get(*i), Some(&"-o" | &"--manifest"))
        })
        .map(|(_, a)| PathBuf::from(a))
        .collect();
    let command = match args[0] {
        "compile" => Command::Compile {
            files: positional,
            kind: KindArg::Identity,
            json: flag("--json"),
            manifest: value("--manifest"),
            output: value("-o"),
            rcp_services: None,
        },
        "inspect" => Command::Inspect {
            file: positional.into_iter().next().unwrap_or_default(),
            json: flag("--json"),
        },
        other => panic!("unknown command {other}"),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = iamc::run(Cli { command }, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("iamc-artifact-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p
}

const IDENTITY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${aws:username}/*"},
  {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const SCP_S3_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyS3","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

#[test]
fn manifest_compiles_to_an_artifact_that_inspect_shows_and_the_runtime_loads() {
    // A folder of its own: the tests run in parallel and each removes its folder at the end.
    let d = dir().join("manifest");
    std::fs::create_dir_all(&d).expect("dir");
    write(&d, "identity.json", IDENTITY);
    write(&d, "all.json", ALLOW_ALL);
    write(&d, "scp1.json", SCP_S3_ONLY);
    let manifest = write(
        &d,
        "set.manifest",
        "# kinds and levels\nidentity identity.json\nboundary all.json\nscp all.json\nscp:1 scp1.json\nmanagement-account 999999999999\n",
    );
    let out = d.join("set.iamc");
    let (code, stdout, stderr) = run(&[
        "compile",
        "--manifest",
        manifest.to_str().unwrap_or_default(),
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    assert!(stdout.contains("artifact:"), "{stdout}");

    let bytes = std::fs::read(&out).expect("artifact written");
    let set = iamc_runtime::PolicySet::from_bytes(&bytes).expect("loads");
    let st = set.stats();
    assert_eq!((st.policies, st.scp_levels), (4, 2));
    let build = set.build_info().expect("build info");
    assert!(build.compiler_version.starts_with("iamc "), "{build:?}");
    assert_eq!(build.inputs.len(), 4);
    assert!(build.inputs[3].starts_with("scp:1 "), "{build:?}");

    let decide = |action: &str, resource: &str| {
        let mut scratch = set.create_scratch();
        let ctx = [("aws:username", iamc_runtime::Value::Single("alice"))];
        set.evaluate(
            &mut scratch,
            &iamc_runtime::Request {
                principal: "arn:aws:iam::111122223333:user/alice",
                action,
                resource,
                resource_account: None,
                context: iamc_runtime::Context::new(&ctx).unwrap(),
            },
        )
        .decision
    };
    use iamc_runtime::Decision::*;
    assert_eq!(decide("s3:GetObject", "arn:aws:s3:::b/alice/k"), Allow);
    assert_eq!(decide("s3:GetObject", "arn:aws:s3:::b/bob/k"), ImplicitDeny);
    assert_eq!(
        decide("s3:DeleteObject", "arn:aws:s3:::b/alice/k"),
        ExplicitDeny
    );

    let (code, stdout, stderr) = run(&["inspect", out.to_str().unwrap_or_default()]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    for want in [
        "format:             version 3",
        "compiler:           iamc ",
        "inputs:             4",
        "scp 1 0: ",
        "identity 0 0: ",
        "statements:         5",
        "levels:             2 SCP, 0 RCP",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    let (code, stdout, _) = run(&["inspect", "--json", out.to_str().unwrap_or_default()]);
    assert_eq!(code, ExitCode::SUCCESS);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(v["format_version"], 3);
    assert_eq!(v["automata"]["general_globs_dfa"], 0);
    assert_eq!(v["statements"], 5);
    assert_eq!(v["policy_list"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["policy_list"][0]["kind"], "identity");
    assert_eq!(v["policy_list"][0]["statements"], 2);

    // A flipped byte: inspect reports the checksum mismatch and exits 1.
    let mut bad = bytes.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    let badp = d.join("bad.iamc");
    std::fs::write(&badp, &bad).expect("write");
    let (code, _, stderr) = run(&["inspect", badp.to_str().unwrap_or_default()]);
    assert_ne!(code, ExitCode::SUCCESS);
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    let (code, _, stderr) = run(&["inspect", manifest.to_str().unwrap_or_default()]);
    assert_ne!(code, ExitCode::SUCCESS);
    assert!(stderr.contains("not an iamc artifact"), "{stderr}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn compile_with_kind_writes_the_same_set_as_direct_compilation() {
    let d = dir().join("kind");
    std::fs::create_dir_all(&d).expect("dir");
    let p = write(&d, "identity.json", IDENTITY);
    let out = d.join("one.iamc");
    let (code, stdout, stderr) = run(&[
        "compile",
        "--json",
        p.to_str().unwrap_or_default(),
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    let bytes = std::fs::read(&out).expect("written");
    assert_eq!(v["artifact"]["bytes"], bytes.len());
    let a = iamc_runtime::artifact::decode(&bytes).expect("decodes");
    let mut compiler = iamc_compiler::Compiler::default();
    compiler.add(
        iamc_compiler::ast::PolicyKind::Identity,
        0,
        &p.display().to_string(),
        IDENTITY.as_bytes(),
    );
    let direct = compiler.build_ir().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.ir, direct);

    // Bad manifests are errors with the line.
    let m = write(&d, "bad.manifest", "identity identity.json\nscp:x a.json\n");
    let (code, _, stderr) = run(&["compile", "--manifest", m.to_str().unwrap_or_default()]);
    assert_ne!(code, ExitCode::SUCCESS);
    assert!(stderr.contains("bad.manifest:2: bad level"), "{stderr}");
    let m = write(&d, "bad2.manifest", "identity:1 identity.json\n");
    let (code, _, stderr) = run(&["compile", "--manifest", m.to_str().unwrap_or_default()]);
    assert_ne!(code, ExitCode::SUCCESS);
    assert!(stderr.contains("only scp and rcp take a level"), "{stderr}");
    // A gap in SCP levels would deny everything: an error (E-11).
    let m = write(
        &d,
        "gap.manifest",
        "identity identity.json\nscp identity.json\nscp:2 identity.json\n",
    );
    let (code, _, stderr) = run(&["compile", "--manifest", m.to_str().unwrap_or_default()]);
    assert_ne!(code, ExitCode::SUCCESS);
    assert!(stderr.contains("scp level 1 has no policies"), "{stderr}");
    assert!(stderr.contains("1 error(s); nothing compiled"), "{stderr}");
    let _ = std::fs::remove_dir_all(&d);
}
