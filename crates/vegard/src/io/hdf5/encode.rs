//! Byte layout of an [`H5Builder`] tree. The file is laid out as
//! `superblock | object headers (object order) | global heap collections | raw data`.
//! Every address is 8 bytes wide, so the sizes of all blocks are known before any address is:
//! the headers are encoded once with placeholder addresses to size them, then again with the
//! real ones (the two encodings must have equal lengths, which is checked).
//!
//! Section numbers refer to the HDF5 File Format Specification version 3.0.

use super::checksum::metadata_checksum;
use super::{AttrValue, Data, H5Builder, Hdf5Error, Kind, ObjId};

/// Attributes the dimension-scale machinery writes (not settable by hand).
pub(crate) const RESERVED_ATTRS: [&str; 5] = ["CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "DIMENSION_LABELS"];

/// The undefined address (all bits set, §I "undefined address").
const UNDEF: u64 = u64::MAX;
/// Superblock version 2: signature 8, versions/sizes/flags 4, four addresses 32, checksum 4.
pub(crate) const SUPERBLOCK_SIZE: u64 = 48;
pub(crate) const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
/// Smallest global heap collection the library creates and reads (H5HG_MINSIZE, §III.E).
pub(crate) const GCOL_MIN: u64 = 4096;
/// Global heap object header: index 2, reference count 2, reserved 4, size 8 (§III.E).
const GCOL_OBJ_HEADER: u64 = 16;
/// Start a new collection before one grows past this (objects larger go alone).
const GCOL_SOFT_MAX: u64 = 1 << 20;

// Message types (§IV.A.2).
const MSG_DATASPACE: u8 = 0x01;
const MSG_LINK_INFO: u8 = 0x02;
const MSG_DATATYPE: u8 = 0x03;
const MSG_FILL_VALUE: u8 = 0x05;
const MSG_LINK: u8 = 0x06;
const MSG_LAYOUT: u8 = 0x08;
const MSG_GROUP_INFO: u8 = 0x0A;
const MSG_ATTRIBUTE: u8 = 0x0C;
const MSG_ATTRIBUTE_INFO: u8 = 0x15;
/// Header message flag bit 0: "message data is constant".
const MSG_CONSTANT: u8 = 0x01;
/// Header message flag bit 2: "message must not be shared" (how the library marks Attribute Info).
const MSG_DONT_SHARE: u8 = 0x04;

// ---- datatypes (§IV.A.2.d), version 1 unless noted -------------------------------------------

/// IEEE 754 binary64, little-endian: bit field 0x20 (mantissa normalisation "implied"), sign at
/// bit 63; offset 0, precision 64, exponent at 52 (11 bits), mantissa at 0 (52 bits), bias 1023.
pub(crate) fn dt_f64() -> Vec<u8> {
    vec![0x11, 0x20, 0x3f, 0x00, 8, 0, 0, 0, 0, 0, 64, 0, 52, 11, 0, 52, 0xff, 0x03, 0, 0]
}

/// Two's-complement signed integer of `size` bytes, little-endian (fixed-point, bit 3 signed).
pub(crate) fn dt_int(size: u8, signed: bool) -> Vec<u8> {
    vec![0x10, if signed { 0x08 } else { 0 }, 0, 0, size, 0, 0, 0, 0, 0, size * 8, 0]
}

/// Variable-length string (class 9, type 1, NUL-terminated) of 1-byte characters; 16 bytes per
/// element on disk (length, global heap ID).
fn dt_vlen_str(utf8: bool) -> Vec<u8> {
    let mut t = vec![0x19, 0x01, u8::from(utf8), 0x00, 16, 0, 0, 0];
    t.extend(dt_int(1, false));
    t
}

/// Fixed-length NUL-terminated ASCII string of `size` bytes (class 3).
fn dt_fixed_ascii(size: u32) -> Vec<u8> {
    let mut t = vec![0x13, 0, 0, 0];
    t.extend(size.to_le_bytes());
    t
}

/// Object reference (class 7, type 0): the 8-byte address of an object header.
fn dt_obj_ref() -> Vec<u8> {
    vec![0x17, 0, 0, 0, 8, 0, 0, 0]
}

/// Variable-length sequence (class 9, type 0) of object references (`DIMENSION_LIST`).
fn dt_vlen_refs() -> Vec<u8> {
    let mut t = vec![0x19, 0x00, 0x00, 0x00, 16, 0, 0, 0];
    t.extend(dt_obj_ref());
    t
}

/// `REFERENCE_LIST` element: compound version 3 of 2 members, 16 bytes as the DS library's
/// `ds_list_t {hobj_ref_t ref; int dim_idx;}` — "dataset" at 0, "dimension" (int32) at 8.
/// Version 3: names NUL-terminated without padding, member offsets in 1 byte (size < 256).
fn dt_ref_list() -> Vec<u8> {
    let mut t = vec![0x36, 2, 0, 0, 16, 0, 0, 0];
    t.extend(b"dataset\0");
    t.push(0);
    t.extend(dt_obj_ref());
    t.extend(b"dimension\0");
    t.push(8);
    t.extend(dt_int(4, true));
    t
}

// ---- dataspaces (§IV.A.2.b), version 2 ---------------------------------------------------------

fn ds_scalar() -> Vec<u8> {
    vec![2, 0, 0, 0]
}

/// Simple dataspace with maximum dimensions equal to the current ones (as h5py writes them).
fn ds_simple(dims: &[u64]) -> Vec<u8> {
    let mut s = vec![2, dims.len() as u8, 1, 1];
    for d in dims.iter().chain(dims) {
        s.extend(d.to_le_bytes());
    }
    s
}

fn dataspace(shape: &[u64]) -> Vec<u8> {
    if shape.is_empty() { ds_scalar() } else { ds_simple(shape) }
}

// ---- planning: attributes and global heap objects ----------------------------------------------

/// A global heap object: bytes, or object references resolved at encoding time.
enum HeapItem {
    Bytes(Vec<u8>),
    Refs(Vec<ObjId>),
}

impl HeapItem {
    fn size(&self) -> u64 {
        match self {
            HeapItem::Bytes(b) => b.len() as u64,
            HeapItem::Refs(r) => 8 * r.len() as u64,
        }
    }
}

enum AttrData {
    Raw(Vec<u8>),
    /// One element per entry: `(count, heap item)`; `None` is the NULL sequence (empty).
    Vlen(Vec<(u32, Option<usize>)>),
    /// `REFERENCE_LIST` entries (dataset, dimension index).
    RefList(Vec<(ObjId, i32)>),
}

struct PlannedAttr {
    name: String,
    dtype: Vec<u8>,
    dspace: Vec<u8>,
    data: AttrData,
}

struct Plan {
    attrs: Vec<Vec<PlannedAttr>>,
    heap: Vec<HeapItem>,
}

impl Plan {
    fn push_heap(&mut self, item: HeapItem) -> usize {
        self.heap.push(item);
        self.heap.len() - 1
    }

    /// Variable-length strings: empty strings are NULL sequences (length 0, no heap object).
    fn vlen_strings(&mut self, values: &[String]) -> Result<AttrData, Hdf5Error> {
        let mut out = Vec::with_capacity(values.len());
        for s in values {
            if s.is_empty() {
                out.push((0, None));
            } else {
                let n = u32::try_from(s.len()).map_err(|_| Hdf5Error("string longer than 4 GiB".into()))?;
                out.push((n, Some(self.push_heap(HeapItem::Bytes(s.as_bytes().to_vec())))));
            }
        }
        Ok(AttrData::Vlen(out))
    }

    fn user_attr(&mut self, name: &str, value: &AttrValue) -> Result<PlannedAttr, Hdf5Error> {
        let (dtype, dspace, data) = match value {
            AttrValue::Str(s) => (dt_vlen_str(true), ds_scalar(), self.vlen_strings(std::slice::from_ref(s))?),
            AttrValue::Strs(v) => (dt_vlen_str(true), ds_simple(&[v.len() as u64]), self.vlen_strings(v)?),
            AttrValue::FixedAscii(s) => fixed_ascii(name, s)?,
            AttrValue::F64(x) => (dt_f64(), ds_scalar(), AttrData::Raw(x.to_le_bytes().to_vec())),
            AttrValue::I64(x) => (dt_int(8, true), ds_scalar(), AttrData::Raw(x.to_le_bytes().to_vec())),
            AttrValue::F64s(v) => (
                dt_f64(),
                ds_simple(&[v.len() as u64]),
                AttrData::Raw(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            ),
            AttrValue::I64s(v) => (
                dt_int(8, true),
                ds_simple(&[v.len() as u64]),
                AttrData::Raw(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            ),
        };
        Ok(PlannedAttr { name: name.to_string(), dtype, dspace, data })
    }
}

fn fixed_ascii(name: &str, s: &str) -> Result<(Vec<u8>, Vec<u8>, AttrData), Hdf5Error> {
    if !s.is_ascii() || s.contains('\0') {
        return Err(Hdf5Error(format!("attribute `{name}`: fixed-length string must be ASCII without NUL")));
    }
    let mut bytes = s.as_bytes().to_vec();
    bytes.push(0);
    let size = u32::try_from(bytes.len()).map_err(|_| Hdf5Error(format!("attribute `{name}`: string too long")))?;
    Ok((dt_fixed_ascii(size), ds_scalar(), AttrData::Raw(bytes)))
}

fn plan(b: &H5Builder) -> Result<Plan, Hdf5Error> {
    let n = b.objects.len();
    let mut p = Plan { attrs: (0..n).map(|_| Vec::new()).collect(), heap: Vec::new() };
    // REFERENCE_LIST of each scale: every (dataset, dimension) it is attached to, in object order.
    let mut back_refs: Vec<Vec<(ObjId, i32)>> = vec![Vec::new(); n];
    for (i, o) in b.objects.iter().enumerate() {
        if let Kind::Dataset(d) = &o.kind {
            for (dim, s) in d.dims.iter().enumerate() {
                if let Some(s) = s {
                    back_refs[s.0].push((ObjId(i), dim as i32));
                }
            }
        }
    }
    for (i, o) in b.objects.iter().enumerate() {
        let mut attrs = Vec::new();
        if let Kind::Dataset(d) = &o.kind {
            if let Some(name) = &d.scale_name {
                let (dtype, dspace, data) = fixed_ascii("CLASS", "DIMENSION_SCALE")?;
                attrs.push(PlannedAttr { name: "CLASS".into(), dtype, dspace, data });
                let (dtype, dspace, data) = fixed_ascii("NAME", name)?;
                attrs.push(PlannedAttr { name: "NAME".into(), dtype, dspace, data });
                if !back_refs[i].is_empty() {
                    attrs.push(PlannedAttr {
                        name: "REFERENCE_LIST".into(),
                        dtype: dt_ref_list(),
                        dspace: ds_simple(&[back_refs[i].len() as u64]),
                        data: AttrData::RefList(back_refs[i].clone()),
                    });
                }
            }
            if d.dims.iter().any(Option::is_some) {
                let mut elems = Vec::with_capacity(d.dims.len());
                for s in &d.dims {
                    elems.push(match s {
                        Some(s) => (1, Some(p.push_heap(HeapItem::Refs(vec![*s])))),
                        None => (0, None),
                    });
                }
                attrs.push(PlannedAttr {
                    name: "DIMENSION_LIST".into(),
                    dtype: dt_vlen_refs(),
                    dspace: ds_simple(&[d.dims.len() as u64]),
                    data: AttrData::Vlen(elems),
                });
            }
            if d.labels.iter().any(|l| !l.is_empty()) {
                attrs.push(PlannedAttr {
                    name: "DIMENSION_LABELS".into(),
                    dtype: dt_vlen_str(false),
                    dspace: ds_simple(&[d.labels.len() as u64]),
                    data: p.vlen_strings(&d.labels)?,
                });
            }
        }
        for (name, value) in &o.attrs {
            attrs.push(p.user_attr(name, value)?);
        }
        p.attrs[i] = attrs;
    }
    Ok(p)
}

// ---- addresses ---------------------------------------------------------------------------------

/// Where everything goes. `heap[k]` = (collection address, object index) of heap item `k`.
struct Addrs {
    obj: Vec<u64>,
    heap: Vec<(u64, u16)>,
    data: Vec<u64>,
}

/// Heap items grouped into collections: (item indices, collection size in bytes).
fn collections(heap: &[HeapItem]) -> Result<Vec<(Vec<usize>, u64)>, Hdf5Error> {
    let mut out: Vec<(Vec<usize>, u64)> = Vec::new();
    let mut items = Vec::new();
    let mut used = GCOL_OBJ_HEADER; // collection header: "GCOL", version, reserved 3, size 8
    for (k, item) in heap.iter().enumerate() {
        let need = GCOL_OBJ_HEADER + item.size().div_ceil(8) * 8;
        if !items.is_empty() && (used + need > GCOL_SOFT_MAX || items.len() >= u16::MAX as usize) {
            out.push((std::mem::take(&mut items), collection_size(used)));
            used = GCOL_OBJ_HEADER;
        }
        items.push(k);
        used += need;
    }
    if !items.is_empty() {
        out.push((items, collection_size(used)));
    }
    Ok(out)
}

/// Room for the objects plus a free-space object (index 0) of at least its own header.
fn collection_size(used: u64) -> u64 {
    GCOL_MIN.max(used + GCOL_OBJ_HEADER)
}

// ---- encoding ----------------------------------------------------------------------------------

fn message(out: &mut Vec<u8>, kind: u8, flags: u8, body: &[u8], what: &str) -> Result<(), Hdf5Error> {
    let size = u16::try_from(body.len())
        .map_err(|_| Hdf5Error(format!("{what}: {} bytes exceed the 65535-byte header message limit", body.len())))?;
    out.push(kind);
    out.extend(size.to_le_bytes());
    out.push(flags);
    out.extend_from_slice(body);
    Ok(())
}

fn vlen_element(out: &mut Vec<u8>, count: u32, item: Option<usize>, a: &Addrs) {
    out.extend(count.to_le_bytes());
    match item {
        Some(k) => {
            let (addr, idx) = a.heap.get(k).copied().unwrap_or((0, 0));
            out.extend(addr.to_le_bytes());
            out.extend(u32::from(idx).to_le_bytes());
        }
        None => out.extend([0u8; 12]),
    }
}

fn obj_addr(a: &Addrs, id: ObjId) -> u64 {
    a.obj.get(id.0).copied().unwrap_or(UNDEF)
}

/// Attribute message version 3 (§IV.A.2.m).
fn attribute(attr: &PlannedAttr, a: &Addrs) -> Result<Vec<u8>, Hdf5Error> {
    let mut body = vec![3u8, 0];
    let name_len = attr.name.len() + 1;
    for len in [name_len, attr.dtype.len(), attr.dspace.len()] {
        let len = u16::try_from(len).map_err(|_| Hdf5Error(format!("attribute `{}` too large", attr.name)))?;
        body.extend(len.to_le_bytes());
    }
    body.push(u8::from(!attr.name.is_ascii())); // name character set: 0 ASCII, 1 UTF-8
    body.extend(attr.name.as_bytes());
    body.push(0);
    body.extend(&attr.dtype);
    body.extend(&attr.dspace);
    match &attr.data {
        AttrData::Raw(r) => body.extend(r),
        AttrData::Vlen(v) => {
            for &(count, item) in v {
                vlen_element(&mut body, count, item, a);
            }
        }
        AttrData::RefList(v) => {
            for &(ds, dim) in v {
                body.extend(obj_addr(a, ds).to_le_bytes());
                body.extend(dim.to_le_bytes());
                body.extend([0u8; 4]);
            }
        }
    }
    Ok(body)
}

fn data_bytes(d: &Data) -> Vec<u8> {
    match d {
        Data::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Data::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

fn data_size(d: &Data) -> u64 {
    8 * d.len() as u64
}

/// Version-2 object header (§IV.A.1.b) of object `i`, one chunk, checksummed.
fn object_header(b: &H5Builder, p: &Plan, i: usize, a: &Addrs) -> Result<Vec<u8>, Hdf5Error> {
    let o = &b.objects[i];
    let mut msgs = Vec::new();
    match &o.kind {
        Kind::Group { links } => {
            // Link Info v0: no creation order, no fractal heap / name index (compact storage).
            let mut li = vec![0u8, 0];
            li.extend(UNDEF.to_le_bytes());
            li.extend(UNDEF.to_le_bytes());
            message(&mut msgs, MSG_LINK_INFO, 0, &li, "link info")?;
            // Group Info v0; above 8 links (the library default), store max compact = count.
            let gi = if links.len() > 8 {
                let n = u16::try_from(links.len())
                    .map_err(|_| Hdf5Error(format!("group with {} members: at most 65535", links.len())))?;
                let mut g = vec![0u8, 1];
                g.extend(n.to_le_bytes());
                g.extend(6u16.to_le_bytes());
                g
            } else {
                vec![0u8, 0]
            };
            message(&mut msgs, MSG_GROUP_INFO, MSG_CONSTANT, &gi, "group info")?;
            for (name, child) in links {
                // Link v1: hard link (no type field), name length in 1 or 2 bytes.
                let long = name.len() > 255;
                let utf8 = !name.is_ascii();
                let mut l = vec![1u8, u8::from(long) | if utf8 { 0x10 } else { 0 }];
                if utf8 {
                    l.push(1);
                }
                if long {
                    l.extend((name.len() as u16).to_le_bytes());
                } else {
                    l.push(name.len() as u8);
                }
                l.extend(name.as_bytes());
                l.extend(obj_addr(a, *child).to_le_bytes());
                message(&mut msgs, MSG_LINK, 0, &l, "link")?;
            }
        }
        Kind::Dataset(d) => {
            message(&mut msgs, MSG_DATASPACE, 0, &dataspace(&d.shape), "dataspace")?;
            let dt = match d.data {
                Data::F64(_) => dt_f64(),
                Data::I64(_) => dt_int(8, true),
            };
            message(&mut msgs, MSG_DATATYPE, MSG_CONSTANT, &dt, "datatype")?;
            // Fill Value v3, flags 0x0A: allocation "late", write fill value "if set" (h5py's).
            message(&mut msgs, MSG_FILL_VALUE, MSG_CONSTANT, &[3, 0x0a], "fill value")?;
            // Data Layout v3, contiguous (class 1): address, size. Empty data: undefined address.
            let size = data_size(&d.data);
            let addr = if size == 0 { UNDEF } else { a.data.get(i).copied().unwrap_or(UNDEF) };
            let mut lay = vec![3u8, 1];
            lay.extend(addr.to_le_bytes());
            lay.extend(size.to_le_bytes());
            message(&mut msgs, MSG_LAYOUT, 0, &lay, "data layout")?;
        }
    }
    let attrs = &p.attrs[i];
    if !attrs.is_empty() || matches!(o.kind, Kind::Dataset(_)) {
        // Attribute Info v0 (§IV.A.2.v): compact storage (no fractal heap, no name index). The
        // library counts a version-2 header's attributes through this message (H5Oget_info
        // reports 0 attributes without it), and writes it to every dataset it creates.
        let mut ai = vec![0u8, 0];
        ai.extend(UNDEF.to_le_bytes());
        ai.extend(UNDEF.to_le_bytes());
        message(&mut msgs, MSG_ATTRIBUTE_INFO, MSG_DONT_SHARE, &ai, "attribute info")?;
    }
    for attr in attrs {
        message(&mut msgs, MSG_ATTRIBUTE, 0, &attribute(attr, a)?, &format!("attribute `{}`", attr.name))?;
    }
    let mut h = b"OHDR".to_vec();
    h.push(2);
    let chunk = msgs.len() as u64;
    let size_bits: u8 = match chunk {
        0..=0xff => 0,
        0x100..=0xffff => 1,
        0x1_0000..=0xffff_ffff => 2,
        _ => 3,
    };
    // Bit 4: attribute phase change values stored (max compact = count when above 8).
    let many_attrs = attrs.len() > 8;
    h.push(size_bits | if many_attrs { 0x10 } else { 0 });
    if many_attrs {
        let n = u16::try_from(attrs.len())
            .map_err(|_| Hdf5Error(format!("{} attributes on one object: at most 65535", attrs.len())))?;
        h.extend(n.to_le_bytes());
        h.extend(6u16.to_le_bytes());
    }
    match size_bits {
        0 => h.push(chunk as u8),
        1 => h.extend((chunk as u16).to_le_bytes()),
        2 => h.extend((chunk as u32).to_le_bytes()),
        _ => h.extend(chunk.to_le_bytes()),
    }
    h.extend(msgs);
    let sum = metadata_checksum(&h);
    h.extend(sum.to_le_bytes());
    Ok(h)
}

fn superblock(eof: u64, root: u64) -> Vec<u8> {
    let mut s = SIGNATURE.to_vec();
    s.extend([2u8, 8, 8, 0]); // version 2, 8-byte offsets and lengths, consistency flags 0
    s.extend(0u64.to_le_bytes()); // base address
    s.extend(UNDEF.to_le_bytes()); // no superblock extension
    s.extend(eof.to_le_bytes());
    s.extend(root.to_le_bytes());
    let sum = metadata_checksum(&s);
    s.extend(sum.to_le_bytes());
    s
}

fn collection(items: &[usize], size: u64, heap: &[HeapItem], a: &Addrs) -> Vec<u8> {
    let mut c = b"GCOL".to_vec();
    c.extend([1u8, 0, 0, 0]);
    c.extend(size.to_le_bytes());
    for (j, &k) in items.iter().enumerate() {
        let item = &heap[k];
        c.extend(((j + 1) as u16).to_le_bytes()); // heap object index, from 1
        c.extend(0u16.to_le_bytes()); // reference count (0, as the library writes vlen data)
        c.extend([0u8; 4]);
        c.extend(item.size().to_le_bytes());
        match item {
            HeapItem::Bytes(bytes) => c.extend(bytes),
            HeapItem::Refs(r) => r.iter().for_each(|id| c.extend(obj_addr(a, *id).to_le_bytes())),
        }
        c.resize(c.len().div_ceil(8) * 8, 0);
    }
    // Free space: object index 0 whose size includes its own header.
    let free = size - c.len() as u64;
    c.extend([0u8; 8]);
    c.extend(free.to_le_bytes());
    c.resize(size as usize, 0);
    c
}

pub(crate) fn encode(b: &H5Builder) -> Result<Vec<u8>, Hdf5Error> {
    let p = plan(b)?;
    let n = b.objects.len();
    let colls = collections(&p.heap)?;
    let mut a = Addrs { obj: vec![0; n], heap: vec![(0, 0); p.heap.len()], data: vec![0; n] };
    for (items, _) in &colls {
        for (j, &k) in items.iter().enumerate() {
            a.heap[k].1 = (j + 1) as u16;
        }
    }
    // Pass 1: sizes of the object headers.
    let sizes: Vec<usize> = (0..n).map(|i| object_header(b, &p, i, &a).map(|h| h.len())).collect::<Result<_, _>>()?;
    let mut at = SUPERBLOCK_SIZE;
    for (i, s) in sizes.iter().enumerate() {
        a.obj[i] = at;
        at += *s as u64;
    }
    let mut coll_addr = Vec::with_capacity(colls.len());
    for (items, size) in &colls {
        coll_addr.push(at);
        for &k in items {
            a.heap[k].0 = at;
        }
        at += size;
    }
    at = at.div_ceil(8) * 8;
    for (i, o) in b.objects.iter().enumerate() {
        if let Kind::Dataset(d) = &o.kind {
            a.data[i] = at;
            at += data_size(&d.data).div_ceil(8) * 8;
        }
    }
    let eof = at;
    // Pass 2: the bytes.
    let mut out = Vec::with_capacity(eof as usize);
    out.extend(superblock(eof, a.obj[0]));
    for (i, size) in sizes.iter().enumerate() {
        let h = object_header(b, &p, i, &a)?;
        if h.len() != *size {
            return Err(Hdf5Error(format!("internal: object header #{i} changed size between passes")));
        }
        out.extend(h);
    }
    for ((items, size), addr) in colls.iter().zip(&coll_addr) {
        debug_assert_eq!(out.len() as u64, *addr);
        out.extend(collection(items, *size, &p.heap, &a));
    }
    for (i, o) in b.objects.iter().enumerate() {
        if let Kind::Dataset(d) = &o.kind {
            out.resize(a.data[i] as usize, 0);
            out.extend(data_bytes(&d.data));
        }
    }
    out.resize(eof as usize, 0);
    Ok(out)
}
