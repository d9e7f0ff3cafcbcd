//! The islands' boot scripts in `<head>`, written as leptos's
//! `<HydrationScripts islands=true />` writes them, with the bundle's file
//! names worked out once per process. Leptos's component resolves
//! `current_exe` and reads cargo-leptos's hash file from disk on every
//! render: 6% of the CPU of the cheapest page this shop renders (perf; README,
//! "Performance"). `island_script.js` is leptos 0.8's (MIT licence), copied
//! as it is; a test renders both components and asserts the same HTML, so a
//! Leptos upgrade that changes what it writes fails that test.

use leptos::prelude::*;
use leptos::WasmSplitManifest;
use std::sync::OnceLock;

const ISLAND_SCRIPT: &str = include_str!("island_script.js");

/// cargo-leptos's hash file beside the binary as `(kind, hash)` pairs
/// (`js`, `wasm`, `css`, `split`, `manifest`), read once; empty when the
/// build does not hash its file names.
pub fn hashes(options: &LeptosOptions) -> &'static [(String, String)] {
    static HASHES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    HASHES.get_or_init(|| {
        if !options.hash_files {
            return Vec::new();
        }
        let file = std::env::current_exe().ok().and_then(|p| Some(p.parent()?.join(options.hash_file.as_ref())));
        let text = file.and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.trim().split_once(':'))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect()
    })
}

/// `kind`'s hash, if the build hashed that file.
pub fn hash_of(options: &LeptosOptions, kind: &str) -> Option<&'static str> {
    hashes(options).iter().find(|(k, _)| k == kind).map(|(_, v)| v.as_str())
}

struct Files {
    js: String,
    wasm: String,
    /// The lazily loaded Wasm's preloads (`cargo leptos build --split`).
    split: Option<WasmSplitManifest>,
    boot: String,
}

fn files(options: &LeptosOptions) -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let name = |kind| match hash_of(options, kind) {
            Some(h) => format!("{}.{h}", options.output_name),
            None => options.output_name.to_string(),
        };
        let js = name("js");
        let mut wasm = name("wasm");
        if !options.hash_files && option_env!("LEPTOS_OUTPUT_NAME").is_none() {
            wasm.push_str("_bg");
        }
        let pkg = options.site_pkg_dir.as_ref();
        let split_js = hash_of(options, "split")
            .map_or_else(|| "__wasm_split.______________________.js".to_string(), |h| format!("__wasm_split.{h}.js"));
        let manifest = hash_of(options, "manifest")
            .map_or_else(|| "__wasm_split_manifest.json".to_string(), |h| format!("__wasm_split_manifest.{h}.json"));
        let manifest = std::path::Path::new(options.site_root.as_ref()).join(pkg).join(manifest);
        let split = std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .map(|preloads| WasmSplitManifest(ArcStoredValue::new((format!("/{pkg}"), preloads, split_js))));
        let boot = format!("{ISLAND_SCRIPT}({:?}, {pkg:?}, {js:?}, {wasm:?}, false);", "");
        Files { js: format!("/{pkg}/{js}.js"), wasm: format!("/{pkg}/{wasm}.wasm"), split, boot }
    })
}

/// What `<HydrationScripts options islands=true />` renders, and the same
/// context it provides: the split Wasm's manifest, and "not hydrating".
#[component]
pub fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    let f = files(&options);
    if let Some(split) = &f.split {
        provide_context(split.clone());
    }
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let nonce = leptos::nonce::use_nonce();
    // Leptos writes the nonce as the links' `crossorigin` (any value but
    // "use-credentials" means anonymous): kept, so the HTML is the same.
    let anonymous = nonce.as_ref().map(|n| n.to_string()).unwrap_or_default();
    view! {
        <link rel="modulepreload" href=f.js.as_str() crossorigin=nonce.clone() />
        <link rel="preload" href=f.wasm.as_str() r#as="fetch" r#type="application/wasm" crossorigin=anonymous />
        <script type="module" nonce=nonce>{f.boot.as_str()}</script>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::IslandScripts;
    use leptos::hydration::HydrationScripts;
    use leptos::nonce::Nonce;
    use leptos::prelude::*;

    fn both(nonce: Option<&str>) -> (String, String) {
        let options = LeptosOptions::builder().output_name("storefront").build();
        Owner::new().with(|| {
            if let Some(n) = nonce {
                provide_context(Nonce::from_value(n));
            }
            let theirs = view! { <HydrationScripts options=options.clone() islands=true /> }.to_html();
            let ours = view! { <IslandScripts options /> }.to_html();
            (theirs, ours)
        })
    }

    #[test]
    fn the_island_scripts_are_what_leptos_writes_with_a_nonce_and_without() {
        for nonce in [Some("n0nce-Abc_123"), None] {
            let (theirs, ours) = both(nonce);
            assert!(theirs.contains("leptos-island"), "leptos wrote its island script: {theirs}");
            assert_eq!(ours, theirs, "with nonce {nonce:?}");
        }
    }
}
