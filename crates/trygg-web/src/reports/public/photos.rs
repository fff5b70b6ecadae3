//! Photos from the public form: the real format is read from the bytes,
//! the image is decoded within fixed limits (so a decompression bomb is
//! refused, not decoded), turned upright, scaled down and encoded afresh.
//! Encoding afresh drops every metadata block, EXIF and its GPS position included.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use trygg_store::{MAX_PHOTO_BYTES, Photo};

/// The largest photo accepted as uploaded, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The most pixels a photo may have before it is scaled down.
const MAX_PIXELS: u64 = 40_000_000;
/// The longest side a photo may have before it is scaled down.
const MAX_DIMENSION: u32 = 40_000;
/// The longest side, in pixels, of a stored photo.
pub const MAX_SIDE: u32 = 2048;
/// The most memory the decoder may allocate.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// JPEG quality of stored photos.
const JPEG_QUALITY: u8 = 85;

/// Why a photo was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    /// The bytes are not a JPEG, PNG or WebP image, whatever the file is called.
    NotAnImage,
    /// More than [`MAX_UPLOAD_BYTES`].
    TooLarge,
    /// More than [`MAX_PIXELS`], or more memory to decode than allowed.
    TooManyPixels,
    /// A JPEG, PNG or WebP header, but the image cannot be decoded.
    Broken,
}

impl PhotoError {
    /// The translation key of the message for the reporter.
    pub fn key(self) -> &'static str {
        match self {
            PhotoError::NotAnImage => "public.error.photo_type",
            PhotoError::TooLarge => "public.error.photo_size",
            PhotoError::TooManyPixels => "public.error.photo_pixels",
            PhotoError::Broken => "public.error.photo_broken",
        }
    }
}

/// Checks, decodes and re-encodes one uploaded photo (CPU-bound: call it
/// from a blocking thread). JPEG and WebP become JPEG; PNG stays PNG unless
/// that would be larger than the store takes.
pub fn reencode(bytes: &[u8]) -> Result<Photo, PhotoError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(PhotoError::NotAnImage);
    }
    let mut img = decode(bytes, format)?;
    if img.width().max(img.height()) > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle);
    }
    let png = if format == ImageFormat::Png { Some(encode_png(&img)?) } else { None };
    let (content_type, bytes) = match png {
        Some(bytes) if bytes.len() <= MAX_PHOTO_BYTES => ("image/png", bytes),
        _ => ("image/jpeg", encode_jpeg(&img)?),
    };
    Ok(Photo { content_type: content_type.into(), width: img.width(), height: img.height(), bytes })
}

/// Decodes within [`MAX_PIXELS`] and [`MAX_ALLOC`], and turns the image upright
/// as its EXIF orientation says (the orientation itself is not kept).
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, PhotoError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn refusal(e: ImageError) -> PhotoError {
    match e {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        ImageError::Unsupported(_) => PhotoError::NotAnImage,
        _ => PhotoError::Broken,
    }
}

fn encode_jpeg(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .map_err(|_| PhotoError::Broken)?;
    Ok(out)
}

fn encode_png(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    let eight_bit = if img.color().has_alpha() {
        DynamicImage::ImageRgba8(img.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(img.to_rgb8())
    };
    eight_bit.write_with_encoder(PngEncoder::new(&mut out)).map_err(|_| PhotoError::Broken)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90)).unwrap();
        out
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, _| Rgb([x as u8, 200, 30]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_with_encoder(PngEncoder::new(&mut out)).unwrap();
        out
    }

    /// An APP1 Exif segment with a GPS IFD pointer and a position in it.
    fn exif_gps_segment() -> Vec<u8> {
        let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
        // IFD0 with one entry: GPSInfo (0x8825), LONG, count 1, offset 26.
        payload.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
        payload.extend_from_slice(b"GPS 59.3940N 17.9042E");
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        seg.extend_from_slice(&payload);
        seg
    }

    fn has_app1(jpeg: &[u8]) -> bool {
        jpeg.windows(2).any(|w| w == [0xFF, 0xE1])
    }

    #[test]
    fn exif_with_gps_is_stripped_from_a_jpeg() {
        let plain = jpeg(64, 48);
        assert_eq!(&plain[..2], &[0xFF, 0xD8]);
        let mut tagged = plain[..2].to_vec();
        tagged.extend(exif_gps_segment());
        tagged.extend_from_slice(&plain[2..]);
        assert!(has_app1(&tagged) && tagged.windows(3).any(|w| w == b"GPS"));
        let photo = reencode(&tagged).expect("a JPEG with EXIF is accepted");
        assert_eq!((photo.content_type.as_str(), photo.width, photo.height), ("image/jpeg", 64, 48));
        assert!(!has_app1(&photo.bytes), "the APP1 (EXIF) segment is gone");
        assert!(!photo.bytes.windows(3).any(|w| w == b"GPS"));
        assert!(!photo.bytes.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn a_non_image_named_jpg_is_refused_and_a_png_accepted() {
        assert_eq!(reencode(b"%PDF-1.7 not a photo.jpg"), Err(PhotoError::NotAnImage));
        assert_eq!(reencode(b"GIF89a\x01\x00\x01\x00"), Err(PhotoError::NotAnImage));
        let photo = reencode(&png(40, 30)).expect("a valid PNG is accepted");
        assert_eq!((photo.content_type.as_str(), photo.width, photo.height), ("image/png", 40, 30));
        let mut truncated = png(40, 30);
        truncated.truncate(60);
        assert_eq!(reencode(&truncated).map(|_| ()), Err(PhotoError::Broken));
    }

    #[test]
    fn large_photos_are_scaled_to_the_longest_side() {
        let photo = reencode(&jpeg(2600, 1300)).unwrap();
        assert_eq!((photo.width, photo.height), (MAX_SIDE, 1024));
        assert_eq!(reencode(&vec![0xFF; MAX_UPLOAD_BYTES + 1]), Err(PhotoError::TooLarge));
    }

    /// A PNG header claiming 50 000 × 50 000 pixels (a decompression bomb's shape).
    fn bomb_png() -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&50_000u32.to_be_bytes());
        ihdr.extend_from_slice(&50_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
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

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(reencode(&bomb_png()), Err(PhotoError::TooManyPixels));
    }
}
