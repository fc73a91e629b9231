//! Thumbnails of image attachments over HTTP: a real PNG or JPEG gets a PNG
//! at most 320 pixels on its longest side, in its shape, made once and then
//! kept on disk; files that aren't images, images that don't decode, and
//! images beyond the size limit have none (404, like a missing id); so does
//! anything the caller can't view. The attachments screen shows them.

use std::io::Cursor;

use image::{ImageFormat, RgbImage};
use portico_app::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::harness::{TestApp, expect_error, id, spawn_app};

fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// Uploads `bytes` as `name` to `page`; returns the attachment's id.
async fn upload(t: &TestApp, page: &str, name: &str, bytes: Vec<u8>) -> String {
    let response = t
        .admin
        .post(t.url(&format!("/wiki/api/v2/pages/{page}/attachments")))
        .header("X-Atlassian-Token", "no-check")
        .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned())))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    id(&body["results"][0])
}

async fn thumbnail(t: &TestApp, client: &Client, attachment: &str) -> reqwest::Response {
    t.get(
        client,
        &format!("/wiki/api/v2/attachments/{attachment}/thumbnail"),
    )
    .await
}

fn kept_thumbnails(t: &TestApp) -> usize {
    let folder = t.attachments.join("thumbnails");
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|sub| std::fs::read_dir(sub.path()).ok())
                .map(|files| files.count())
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn images_get_small_thumbnails_made_once() {
    let t = spawn_app().await;
    let space = t.space("PIC").await;
    let page = id(&t.page(&space, None, "Photos").await);
    let wide = upload(&t, &page, "wide.png", encoded(1000, 500, ImageFormat::Png)).await;
    let photo = upload(&t, &page, "photo.jpg", encoded(300, 900, ImageFormat::Jpeg)).await;

    let response = thumbnail(&t, &t.admin, &wide).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let bytes = response.bytes().await.unwrap();
    let made = image::load_from_memory_with_format(&bytes, ImageFormat::Png).unwrap();
    assert_eq!((made.width(), made.height()), (320, 160));
    assert_eq!(kept_thumbnails(&t), 1, "kept on disk");
    // The second request is served from disk: the same bytes.
    let again = thumbnail(&t, &t.admin, &wide).await.bytes().await.unwrap();
    assert_eq!(again, bytes);
    assert_eq!(kept_thumbnails(&t), 1);

    let tall = thumbnail(&t, &t.admin, &photo).await.bytes().await.unwrap();
    let made = image::load_from_memory(&tall).unwrap();
    assert_eq!((made.width(), made.height()), (106, 320));

    // The attachments screen shows the thumbnail, not the whole image.
    let screen = t
        .get(
            &t.admin,
            &format!("/wiki/spaces/PIC/pages/{page}/attachments"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        screen.contains(&format!("/wiki/api/v2/attachments/{wide}/thumbnail")),
        "{screen}"
    );
}

#[tokio::test]
async fn no_thumbnail_for_what_is_not_a_viewable_decodable_image() {
    let t = spawn_app().await;
    let space = t.space("PIC").await;
    let page = id(&t.page(&space, None, "Photos").await);
    let text = upload(&t, &page, "notes.txt", b"hello".to_vec()).await;
    let fake = upload(&t, &page, "fake.png", b"\x89PNG not really".to_vec()).await;
    // Wider than the decoder's limit (12,000 pixels): refused before decoding.
    let huge = upload(&t, &page, "strip.png", encoded(12_001, 1, ImageFormat::Png)).await;
    let real = upload(&t, &page, "real.png", encoded(10, 10, ImageFormat::Png)).await;
    for attachment in [&text, &fake, &huge] {
        expect_error(
            thumbnail(&t, &t.admin, attachment).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    assert_eq!(kept_thumbnails(&t), 0);
    expect_error(
        thumbnail(&t, &t.admin, "987654").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        thumbnail(&t, &t.admin, "abc").await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    // A guest of another space: the same 404 as a missing id.
    t.space("OTHER").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let hidden = thumbnail(&t, &guest, &real).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let missing = thumbnail(&t, &guest, "987654").await;
    assert_eq!(
        hidden.bytes().await.unwrap(),
        missing.bytes().await.unwrap()
    );
    // The image itself is fine for someone who can see it.
    assert_eq!(
        thumbnail(&t, &t.admin, &real).await.status(),
        StatusCode::OK
    );
}
