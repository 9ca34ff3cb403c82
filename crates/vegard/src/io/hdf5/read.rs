//! Test-only reader of exactly the HDF5 subset [`super::encode`] writes, so the writer's tests
//! are self-contained (no HDF5 library on CI). It checks every signature, version and
//! checksum it meets and fails loudly on anything else; h5py/pyNSID cross-checks are in
//! bench/nsid_check.py.

use std::collections::BTreeMap;

use super::checksum::metadata_checksum;
use super::encode::{GCOL_MIN, SIGNATURE, SUPERBLOCK_SIZE, dt_int};

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    F64(Vec<f64>),
    I64(Vec<i64>),
    Str(Vec<String>),
    /// Fixed-length strings (NUL stripped).
    Fixed(Vec<String>),
    /// Variable-length sequences of object references (addresses).
    RefSeqs(Vec<Vec<u64>>),
    /// `REFERENCE_LIST`: (address, dimension).
    RefList(Vec<(u64, i32)>),
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub shape: Vec<u64>,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub struct Obj {
    pub addr: u64,
    pub links: Vec<(String, u64)>,
    pub shape: Option<Vec<u64>>,
    pub data: Option<Value>,
    pub attrs: BTreeMap<String, Attr>,
}

pub struct File<'a> {
    pub bytes: &'a [u8],
    pub root: u64,
}

fn parse_dataspace(b: &[u8]) -> Vec<u64> {
    assert_eq!(b[0], 2, "dataspace version");
    let rank = b[1] as usize;
    match b[3] {
        0 => assert_eq!(rank, 0),
        1 => assert_eq!(b[2] & 1, 1, "max dims stored"),
        t => panic!("dataspace type {t}"),
    }
    (0..rank).map(|i| u64_at(b, 4 + 8 * i)).collect()
}

/// Datatype kind and encoded length.
#[derive(Debug, PartialEq)]
enum Dt {
    F64,
    I64,
    VlenStr,
    Fixed(usize),
    VlenRefs,
    RefList,
}

fn parse_dt(b: &[u8]) -> (Dt, usize) {
    let size = u32_at(b, 4) as usize;
    match (b[0], b[1]) {
        (0x11, 0x20) => {
            assert_eq!(size, 8);
            assert_eq!(&b[8..20], &[0, 0, 64, 0, 52, 11, 0, 52, 0xff, 3, 0, 0]);
            (Dt::F64, 20)
        }
        (0x10, 0x08) if size == 8 => (Dt::I64, 12),
        (0x13, 0) => (Dt::Fixed(size), 8),
        (0x19, 1) => {
            assert_eq!(size, 16);
            assert_eq!(&b[8..20], &dt_int(1, false)[..], "vlen string of unsigned bytes");
            (Dt::VlenStr, 20)
        }
        (0x19, 0) => {
            assert_eq!(&b[8..16], &[0x17, 0, 0, 0, 8, 0, 0, 0], "object reference base");
            (Dt::VlenRefs, 16)
        }
        (0x36, 2) => (Dt::RefList, 8 + 8 + 1 + 8 + 10 + 1 + 12),
        other => panic!("unexpected datatype {other:?}"),
    }
}

impl<'a> File<'a> {
    pub fn open(bytes: &'a [u8]) -> File<'a> {
        assert_eq!(&bytes[..8], SIGNATURE);
        assert_eq!(&bytes[8..12], &[2, 8, 8, 0], "superblock v2, 8-byte offsets/lengths");
        assert_eq!(u64_at(bytes, 12), 0, "base address");
        assert_eq!(u64_at(bytes, 20), u64::MAX, "no superblock extension");
        assert_eq!(u64_at(bytes, 28), bytes.len() as u64, "end-of-file address");
        let sum = u32_at(bytes, 44);
        assert_eq!(sum, metadata_checksum(&bytes[..44]), "superblock checksum");
        File { bytes, root: u64_at(bytes, 36) }
    }

    /// Bytes of global heap object (`collection`, `index`).
    fn heap(&self, collection: u64, index: u32) -> &'a [u8] {
        let b = self.bytes;
        let c = collection as usize;
        assert_eq!(&b[c..c + 8], b"GCOL\x01\0\0\0");
        let size = u64_at(b, c + 8) as usize;
        assert!(size as u64 >= GCOL_MIN);
        let mut at = c + 16;
        while at < c + size {
            let idx = u16_at(b, at) as u32;
            let len = u64_at(b, at + 8) as usize;
            if idx == 0 {
                assert_eq!(at + len, c + size, "free space fills the collection");
                break;
            }
            if idx == index {
                return &b[at + 16..at + 16 + len];
            }
            at += 16 + len.div_ceil(8) * 8;
        }
        panic!("heap object {index} not in collection at {collection}");
    }

    fn vlen(&self, b: &[u8]) -> Option<&'a [u8]> {
        let (n, addr, idx) = (u32_at(b, 0), u64_at(b, 4), u32_at(b, 12));
        if n == 0 {
            assert_eq!((addr, idx), (0, 0));
            return None;
        }
        Some(self.heap(addr, idx))
    }

    fn values(&self, dt: &Dt, n: usize, raw: &[u8]) -> Value {
        match dt {
            Dt::F64 => {
                Value::F64((0..n).map(|i| f64::from_le_bytes(raw[8 * i..8 * i + 8].try_into().unwrap())).collect())
            }
            Dt::I64 => {
                Value::I64((0..n).map(|i| i64::from_le_bytes(raw[8 * i..8 * i + 8].try_into().unwrap())).collect())
            }
            Dt::Fixed(s) => Value::Fixed(
                (0..n)
                    .map(|i| {
                        let e = &raw[s * i..s * (i + 1)];
                        assert_eq!(e.last(), Some(&0), "NUL-terminated");
                        String::from_utf8(e[..s - 1].to_vec()).unwrap()
                    })
                    .collect(),
            ),
            Dt::VlenStr => Value::Str(
                (0..n)
                    .map(|i| {
                        let e = &raw[16 * i..16 * i + 16];
                        let s = self.vlen(e).unwrap_or(&[]);
                        assert_eq!(s.len() as u32, u32_at(e, 0));
                        String::from_utf8(s.to_vec()).unwrap()
                    })
                    .collect(),
            ),
            Dt::VlenRefs => Value::RefSeqs(
                (0..n)
                    .map(|i| {
                        let e = &raw[16 * i..16 * i + 16];
                        let s = self.vlen(e).unwrap_or(&[]);
                        assert_eq!(s.len(), 8 * u32_at(e, 0) as usize);
                        (0..s.len() / 8).map(|k| u64_at(s, 8 * k)).collect()
                    })
                    .collect(),
            ),
            Dt::RefList => {
                Value::RefList((0..n).map(|i| (u64_at(raw, 16 * i), u32_at(raw, 16 * i + 8) as i32)).collect())
            }
        }
    }

    pub fn object(&self, addr: u64) -> Obj {
        let b = self.bytes;
        let a = addr as usize;
        assert_eq!(&b[a..a + 5], b"OHDR\x02");
        let flags = b[a + 5];
        assert_eq!(flags & !0x13, 0, "only size bits and the attribute phase-change bit");
        let mut at = a + 6;
        if flags & 0x10 != 0 {
            at += 4;
        }
        let (chunk, w) = match flags & 3 {
            0 => (b[at] as usize, 1),
            1 => (u16_at(b, at) as usize, 2),
            2 => (u32_at(b, at) as usize, 4),
            _ => (u64_at(b, at) as usize, 8),
        };
        at += w;
        let end = at + chunk;
        assert_eq!(u32_at(b, end), metadata_checksum(&b[a..end]), "object header checksum at {addr}");
        let mut o = Obj { addr, links: Vec::new(), shape: None, data: None, attrs: BTreeMap::new() };
        let (mut dt, mut layout, mut ainfo) = (None, None, false);
        while at < end {
            let (kind, size) = (b[at], u16_at(b, at + 1) as usize);
            let m = &b[at + 4..at + 4 + size];
            match kind {
                0x01 => o.shape = Some(parse_dataspace(m)),
                0x02 => assert_eq!(m.len(), 18),
                0x03 => dt = Some(parse_dt(m).0),
                0x05 => assert_eq!(m, &[3, 0x0a]),
                0x06 => {
                    assert_eq!(m[0], 1);
                    let mut p = 2;
                    if m[1] & 0x10 != 0 {
                        p += 1;
                    }
                    let len = if m[1] & 3 == 1 {
                        p += 2;
                        u16_at(m, p - 2) as usize
                    } else {
                        p += 1;
                        m[p - 1] as usize
                    };
                    let name = String::from_utf8(m[p..p + len].to_vec()).unwrap();
                    o.links.push((name, u64_at(m, p + len)));
                }
                0x08 => {
                    assert_eq!(&m[..2], &[3, 1], "layout v3 contiguous");
                    layout = Some((u64_at(m, 2), u64_at(m, 10)));
                }
                0x0A => {}
                0x15 => {
                    assert_eq!(m, &[[0u8, 0].as_slice(), &[0xff; 16]].concat()[..], "compact attribute info");
                    ainfo = true;
                }
                0x0C => {
                    assert_eq!(&m[..2], &[3, 0]);
                    let (nl, tl, sl) = (u16_at(m, 2) as usize, u16_at(m, 4) as usize, u16_at(m, 6) as usize);
                    let name = String::from_utf8(m[9..9 + nl - 1].to_vec()).unwrap();
                    let (adt, dlen) = parse_dt(&m[9 + nl..]);
                    assert_eq!(dlen, tl, "datatype length of {name}");
                    let shape = parse_dataspace(&m[9 + nl + tl..9 + nl + tl + sl]);
                    let n = shape.iter().product::<u64>() as usize;
                    let value = self.values(&adt, n, &m[9 + nl + tl + sl..]);
                    o.attrs.insert(name, Attr { shape, value });
                }
                k => panic!("unexpected message type {k:#x}"),
            }
            at += 4 + size;
        }
        assert_eq!(at, end);
        assert!(ainfo || (o.attrs.is_empty() && o.shape.is_none()), "attribute info message present");
        if let (Some(dt), Some(shape), Some((addr, size))) = (dt, &o.shape, layout) {
            let n = shape.iter().product::<u64>() as usize;
            assert_eq!(size as usize, 8 * n);
            let raw = if n == 0 { &[][..] } else { &b[addr as usize..(addr + size) as usize] };
            o.data = Some(self.values(&dt, n, raw));
        }
        o
    }

    /// The object at `path` ("a/b/c"; "" is the root).
    pub fn at(&self, path: &str) -> Obj {
        let mut o = self.object(self.root);
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let addr = o.links.iter().find(|(n, _)| n == part).unwrap_or_else(|| panic!("no member {part}")).1;
            o = self.object(addr);
        }
        o
    }
}

impl Obj {
    pub fn str_attr(&self, name: &str) -> String {
        match &self.attrs.get(name).unwrap_or_else(|| panic!("no attribute {name}")).value {
            Value::Str(v) | Value::Fixed(v) if v.len() == 1 => v[0].clone(),
            v => panic!("attribute {name} is {v:?}"),
        }
    }
}

/// Superblock size, exported for layout tests.
pub const SUPERBLOCK: u64 = SUPERBLOCK_SIZE;
