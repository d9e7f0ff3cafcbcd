use adapters::objects::{FolderStore, Object, ObjectStore, S3Store};
use adapters::testing::{aws, temp_dir, unique};
use ports::PortError;

fn obj(body: &str, ct: &str) -> Object {
    Object { body: body.as_bytes().to_vec(), content_type: ct.into(), cache_control: Some("max-age=60".into()) }
}

pub(crate) async fn suite(s: &dyn ObjectStore) {
    s.put("site/index.html", obj("<h1>hi</h1>", "text/html")).await.unwrap();
    s.put("site/p/a.html", obj("a", "text/html")).await.unwrap();
    s.put("other/x.txt", obj("x", "text/plain")).await.unwrap();
    let got = s.get("site/index.html").await.unwrap().expect("object reads back");
    assert_eq!(got.body, b"<h1>hi</h1>");
    assert_eq!(got.content_type, "text/html");
    assert_eq!(got.cache_control.as_deref(), Some("max-age=60"));
    assert_eq!(s.get("site/missing.html").await.unwrap(), None);

    let keys: Vec<String> = s.list("site/").await.unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(keys, ["site/index.html", "site/p/a.html"]);
    assert_eq!(s.list("site/").await.unwrap()[1].size, 1);

    s.put("site/p/a.html", obj("changed", "text/html")).await.unwrap();
    assert_eq!(s.get("site/p/a.html").await.unwrap().unwrap().body, b"changed", "put overwrites");
    s.delete("site/p/a.html").await.unwrap();
    s.delete("site/p/a.html").await.unwrap();
    assert_eq!(s.list("site/").await.unwrap().len(), 1, "deleted (twice, harmlessly)");

    for bad in ["../escape", "/abs", "a//b", "a/../b", ""] {
        assert!(matches!(s.put(bad, obj("x", "text/plain")).await, Err(PortError::Invalid(_))), "{bad:?} accepted");
    }
    s.ping().await.unwrap();
}

#[tokio::test]
async fn folder_store_conforms() {
    suite(&FolderStore::new(&temp_dir()).unwrap()).await;
}

#[tokio::test]
async fn s3_store_conforms() {
    let Some(sdk) = aws().await else { return };
    let s = S3Store::new(&sdk, &unique("bucket"));
    s.create_if_missing().await.unwrap();
    suite(&s).await;
}
