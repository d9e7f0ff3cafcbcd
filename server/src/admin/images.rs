//! A merchant's upload becomes the shop's own images: decoded with the
//! `image` crate under size and pixel limits (a 2 MB file can claim
//! 50,000 × 50,000 pixels), turned upright by its EXIF orientation, then
//! re-encoded from the pixels alone, so EXIF (phone GPS included) and every
//! other metadata stay behind. Copies are made 400, 800 and 1600 pixels wide
//! (never wider than the original) as WebP and JPEG; pages offer them with
//! `srcset`. CPU-bound: call it on a blocking thread.

use domain::product::IMAGE_WIDTHS;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 8_000;
/// Largest picture accepted, in pixels (about 40 megapixels).
pub const MAX_PIXELS: u64 = 40_000_000;
const JPEG_QUALITY: u8 = 82;
const WEBP_QUALITY: f32 = 80.0;

/// One file to store: `…-{width}.{ext}`.
pub struct Copy {
    pub width: u32,
    pub ext: &'static str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub struct Processed {
    /// The widths made, smallest first.
    pub widths: Vec<u32>,
    /// The largest copy's size.
    pub width: u32,
    pub height: u32,
    pub copies: Vec<Copy>,
}

/// Why an upload is refused, in words for the merchant.
pub fn process(bytes: &[u8]) -> Result<Processed, String> {
    let unreadable = |e: image::ImageError| format!("the image could not be read ({e})");
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(too_large_or(unreadable))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!("the image is {w} × {h} pixels; at most {MAX_PIXELS} pixels"));
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(too_large_or(unreadable))?;
    img.apply_orientation(orientation);
    if img.width() == 0 || img.height() == 0 {
        return Err("the image is empty".into());
    }

    let mut widths: Vec<u32> = IMAGE_WIDTHS.iter().copied().filter(|w| *w < img.width()).collect();
    // The original's own width when it is not one of the steps (e.g. 1200: 400, 800, 1200).
    if widths.len() < IMAGE_WIDTHS.len() {
        widths.push(img.width().min(IMAGE_WIDTHS[IMAGE_WIDTHS.len() - 1]));
    }
    let mut copies = Vec::new();
    let (mut width, mut height) = (0, 0);
    for &target in &widths {
        let scaled = if target == img.width() {
            img.clone()
        } else {
            let th = ((u64::from(img.height()) * u64::from(target)) / u64::from(img.width())).max(1) as u32;
            img.resize_exact(target, th, FilterType::CatmullRom)
        };
        (width, height) = (scaled.width(), scaled.height());
        let rgba = scaled.to_rgba8();
        let webp = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height()).encode(WEBP_QUALITY);
        copies.push(Copy { width: target, ext: "webp", content_type: "image/webp", bytes: webp.to_vec() });
        // JPEG has no alpha: transparent parts on white, as a page shows them.
        let rgb = flatten_on_white(&rgba);
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY).encode_image(&rgb).map_err(unreadable)?;
        copies.push(Copy { width: target, ext: "jpg", content_type: "image/jpeg", bytes: jpeg });
    }
    Ok(Processed { widths, width, height, copies })
}

fn too_large_or(other: impl Fn(image::ImageError) -> String) -> impl Fn(image::ImageError) -> String {
    move |e| match e {
        image::ImageError::Limits(_) => {
            format!("the image is too large: at most {MAX_SIDE} × {MAX_SIDE} and {MAX_PIXELS} pixels")
        }
        e => other(e),
    }
}

fn flatten_on_white(rgba: &image::RgbaImage) -> image::RgbImage {
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let mix = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([mix(r), mix(g), mix(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    /// A JPEG carrying an EXIF block with a recognisable GPS marker.
    fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 10, 200]));
        let mut plain = Vec::new();
        JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&img).unwrap();
        let payload = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-52.3676N-4.9041E-SECRET-HOME";
        let len = (payload.len() + 2) as u16;
        let mut out = plain[..2].to_vec(); // SOI
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_large_upload_gets_three_widths_in_webp_and_jpeg_and_keeps_its_aspect() {
        let p = process(&png(2000, 1000)).unwrap();
        assert_eq!(p.widths, vec![400, 800, 1600]);
        assert_eq!((p.width, p.height), (1600, 800));
        assert_eq!(p.copies.len(), 6);
        for c in &p.copies {
            let back = image::load_from_memory(&c.bytes).unwrap();
            assert_eq!((back.width(), back.height()), (c.width, c.width / 2), "{}-{}", c.width, c.ext);
        }
        assert!(p.copies.iter().any(|c| c.ext == "webp" && c.bytes.starts_with(b"RIFF")));
    }

    #[test]
    fn a_small_upload_is_never_enlarged() {
        let p = process(&png(600, 300)).unwrap();
        assert_eq!(p.widths, vec![400, 600]);
        assert_eq!((p.width, p.height), (600, 300));
    }

    #[test]
    fn exif_and_its_gps_position_never_reach_a_stored_copy() {
        let upload = jpeg_with_exif(900, 600);
        assert!(contains(&upload, b"SECRET-HOME"), "the test upload carries the marker");
        let p = process(&upload).unwrap();
        for c in &p.copies {
            assert!(!contains(&c.bytes, b"SECRET-HOME") && !contains(&c.bytes, b"Exif"), "{}-{}", c.width, c.ext);
        }
    }

    #[test]
    fn a_picture_claiming_too_many_pixels_is_refused_before_it_is_decoded() {
        // A valid PNG header for 50,000 × 50,000 pixels and almost no data.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]); // the IHDR chunk's type and data
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = process(&bomb).err().expect("refused");
        assert!(err.contains("too large"), "{err}");
        assert!(process(b"not an image at all").is_err());
    }
}
