//! A sanity check of an old `.xls` (an OLE compound file) before calamine
//! reads it. calamine follows the file's sector chains until the declared
//! length is reached; a forged chain that loops back on itself makes it grow a
//! buffer without end until an allocation fails, which aborts the process (no
//! panic to catch). Found by the fuzzer. Here every chain calamine will follow
//! is walked once: it must end, stay inside the file and not loop; and the
//! sheets' declared dimensions must be possible (calamine reserves room for
//! them before reading a cell).

const FREE: u32 = 0xFFFF_FFFF;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const RESERVED: u32 = 0xFFFF_FFFA;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// `Err` with a short French reason when the structure cannot be trusted.
pub fn check(bytes: &[u8]) -> Result<(), &'static str> {
    let shift = bytes.get(30..32).map(|s| u16::from_le_bytes([s[0], s[1]])).ok_or("en-tête incomplet")?;
    let mini_shift = bytes.get(32..34).map(|s| u16::from_le_bytes([s[0], s[1]])).ok_or("en-tête incomplet")?;
    if !matches!(shift, 9 | 12) || mini_shift != 6 {
        return Err("taille de secteur invalide");
    }
    let size = 1usize << shift;
    let sectors = bytes.len().saturating_sub(512) / size + 1;
    let sector = |id: u32| -> Option<&[u8]> {
        let start = 512 + (id as usize).checked_mul(size)?;
        bytes.get(start..(start + size).min(bytes.len()))
    };
    // The FAT sectors: 109 in the header, the rest along the DIFAT chain.
    let mut fat_ids: Vec<u32> =
        (0..109).filter_map(|i| u32_at(bytes, 76 + i * 4)).filter(|id| *id < RESERVED).collect();
    let mut difat = u32_at(bytes, 68).ok_or("en-tête incomplet")?;
    let mut hops = 0;
    while difat < RESERVED {
        hops += 1;
        if hops > sectors {
            return Err("chaîne DIFAT en boucle");
        }
        let s = sector(difat).ok_or("secteur hors du fichier")?;
        let n = s.len() / 4;
        if n == 0 {
            return Err("secteur DIFAT vide");
        }
        fat_ids.extend((0..n - 1).filter_map(|i| u32_at(s, i * 4)).filter(|id| *id < RESERVED));
        difat = u32_at(s, (n - 1) * 4).unwrap_or(END_OF_CHAIN);
    }
    if fat_ids.len() > sectors {
        return Err("table d'allocation plus grande que le fichier");
    }
    let mut fat: Vec<u32> = Vec::with_capacity(fat_ids.len() * size / 4);
    for id in fat_ids {
        let s = sector(id).ok_or("secteur hors du fichier")?;
        fat.extend((0..s.len() / 4).filter_map(|i| u32_at(s, i * 4)));
    }
    // A chain of the FAT: it must end without looping, inside the file.
    let walk = |start: u32, table: &[u32], limit: usize| -> Result<usize, &'static str> {
        let mut id = start;
        let mut n = 0;
        while id != END_OF_CHAIN && id != FREE {
            n += 1;
            if n > limit {
                return Err("chaîne de secteurs en boucle");
            }
            id = *table.get(id as usize).ok_or("chaîne hors de la table")?;
        }
        Ok(n)
    };
    let dir_start = u32_at(bytes, 48).ok_or("en-tête incomplet")?;
    let dir_sectors = walk(dir_start, &fat, sectors)?;
    walk(u32_at(bytes, 60).ok_or("en-tête incomplet")?, &fat, sectors)?;
    // Every stream of the directory: its chain ends, and its size fits the file.
    let mut entries: Vec<&[u8]> = vec![];
    let mut id = dir_start;
    for _ in 0..dir_sectors {
        let s = sector(id).ok_or("secteur hors du fichier")?;
        for entry in s.chunks_exact(128) {
            entries.push(entry);
            if entry[66] == 0 {
                continue; // unused entry
            }
            let start = u32_at(entry, 116).unwrap_or(END_OF_CHAIN);
            let len = u32_at(entry, 120).unwrap_or(0) as usize;
            if len > bytes.len().saturating_mul(8) {
                return Err("flux plus grand que le fichier");
            }
            if len >= 4096 || entry[66] == 5 {
                walk(start, &fat, sectors)?;
            }
        }
        id = *fat.get(id as usize).ok_or("chaîne hors de la table")?;
    }
    // The workbook stream's records: calamine reserves room for the cells a
    // sheet's DIMENSIONS record declares, before reading any.
    let read_chain = |start: u32,
                      table: &[u32],
                      data: &dyn Fn(u32) -> Option<Vec<u8>>,
                      len: usize|
     -> Result<Vec<u8>, &'static str> {
        let mut out = Vec::new();
        let mut id = start;
        let mut n = 0;
        while id != END_OF_CHAIN && id != FREE && out.len() < len {
            n += 1;
            if n > table.len() + 1 {
                return Err("chaîne de secteurs en boucle");
            }
            out.extend(data(id).ok_or("secteur hors du fichier")?);
            id = *table.get(id as usize).ok_or("chaîne hors de la table")?;
        }
        out.truncate(len);
        Ok(out)
    };
    // The workbook stream as calamine finds it: the first entry named
    // "Workbook" (else "Book"), in any case and whatever its type says (a
    // forged type hid a stream from this check: found by the fuzzer), its
    // name read up to the first NUL, its length 64-bit in 4 KB sectors.
    let name_of = |e: &[u8]| -> String {
        let units: Vec<u16> =
            e[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
        String::from_utf16_lossy(&units)
    };
    let named = |wanted: &str| entries.iter().find(|e| name_of(e).eq_ignore_ascii_case(wanted));
    let Some(book) = named("Workbook").or_else(|| named("Book")) else {
        return Ok(());
    };
    let start = u32_at(book, 116).unwrap_or(END_OF_CHAIN);
    let len = if shift == 9 {
        u32_at(book, 120).unwrap_or(0) as usize
    } else {
        book.get(120..128)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .unwrap_or(0)
            .try_into()
            .unwrap_or(usize::MAX)
    };
    let big = |id: u32| sector(id).map(|s| s.to_vec());
    let stream = if len >= 4096 {
        read_chain(start, &fat, &big, len)?
    } else {
        let root = entries.first().ok_or("répertoire vide")?;
        let mini_stream =
            read_chain(u32_at(root, 116).unwrap_or(END_OF_CHAIN), &fat, &big, u32_at(root, 120).unwrap_or(0) as usize)?;
        let mini_fat_bytes = read_chain(u32_at(bytes, 60).unwrap_or(END_OF_CHAIN), &fat, &big, usize::MAX)?;
        let mini_fat: Vec<u32> = (0..mini_fat_bytes.len() / 4).filter_map(|i| u32_at(&mini_fat_bytes, i * 4)).collect();
        let mini = |id: u32| {
            mini_stream.get(id as usize * 64..(id as usize * 64 + 64).min(mini_stream.len())).map(|s| s.to_vec())
        };
        read_chain(start, &mini_fat, &mini, len)?
    };
    // Each sheet's cells, read as calamine reads them: from the offset its
    // BoundSheet8 record gives, nested substreams (charts) skipped, up to the
    // sheet's EOF. calamine reserves room for a DIMENSIONS record's cells,
    // then makes one range of the box that holds all the sheet's cells. (A
    // scan of the whole stream in one pass missed a sheet whose cells sit on
    // both sides of a nested substream: a 94 GB range, found by the fuzzer.)
    for sheet in sheet_offsets(&stream) {
        check_sheet(stream.get(sheet..).unwrap_or_default())?;
    }
    Ok(())
}

/// The records of a BIFF stream: (type, data), up to the first one that
/// does not fit (where calamine stops with an error).
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let head = stream.get(pos..pos + 4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let data = stream.get(pos + 4..pos + 4 + len)?;
        pos += 4 + len;
        Some((typ, data))
    })
}

/// Where each sheet starts: the globals' BoundSheet8 records, up to their EOF.
fn sheet_offsets(stream: &[u8]) -> Vec<usize> {
    let mut out = vec![];
    for (typ, data) in records(stream) {
        match typ {
            0x0085 => out.extend(u32_at(data, 0).map(|p| p as usize)),
            0x000A => break,
            _ => {}
        }
    }
    out
}

/// How many cells calamine reserves for a DIMENSIONS record, computed as it
/// does (`parse_dimensions`), without its wrapping: `None` where its
/// arithmetic would wrap to a huge size.
fn dimension_cells(data: &[u8]) -> Option<u64> {
    let w = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]) as u64;
    let (rf, rl, cf, cl) = match data.len() {
        10 => (w(0), w(2), w(4), w(6)),
        14 | 16 => (u32_at(data, 0)? as u64, u32_at(data, 4)? as u64, w(8), w(10)),
        _ => return Some(0), // refused by calamine: nothing reserved
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    if rl >= 1 && cl >= 1 {
        let rows = (rl - 1).checked_sub(rf)? + 1;
        let cols = (cl - 1).checked_sub(cf)? + 1;
        Some(rows.saturating_mul(cols))
    } else {
        Some(1)
    }
}

/// One sheet's DIMENSIONS and the box of its cells must be possible.
fn check_sheet(sheet: &[u8]) -> Result<(), &'static str> {
    const MAX_CELLS: u64 = 40_000_000;
    let mut bbox: Option<(u64, u64, u64, u64)> = None;
    let mut grow = |row: u64, c0: u64, c1: u64| -> Result<(), &'static str> {
        let b = bbox.get_or_insert((row, row, c0, c1));
        *b = (b.0.min(row), b.1.max(row), b.2.min(c0), b.3.max(c1));
        if (b.1 - b.0 + 1).saturating_mul(b.3 - b.2 + 1) > MAX_CELLS {
            return Err("cellules dispersées sur une feuille impossible");
        }
        Ok(())
    };
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (typ, data) in records(sheet) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let w = |i: usize| data.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u64);
        match typ {
            // The sheet's own BOF, then any other opens a nested substream.
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => match dimension_cells(data) {
                Some(n) if n <= MAX_CELLS => {}
                _ => return Err("dimensions de feuille impossibles"),
            },
            // Number, label, rich string, bool/error, RK, label SST, formula, blank.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x0201 => {
                if let (Some(r), Some(c)) = (w(0), w(2)) {
                    grow(r, c, c)?;
                }
            }
            // MulRk: a row of cells from one column to another.
            0x00BD if data.len() >= 6 => {
                if let (Some(r), Some(c0), Some(c1)) = (w(0), w(2), w(data.len() - 2)) {
                    grow(r, c0.min(c1), c0.max(c1))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    /// The roster of the import tests, written by a spreadsheet library: its
    /// workbook stream lies in order in the file, so records are patched in place.
    fn roster() -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/roster.xls")).unwrap()
    }
    const DIMENSIONS: usize = 1810; // the sheet's DIMENSIONS record (14 bytes)
    const FIRST_CELL: usize = 2024; // a LabelSst
    const ROW_AFTER: usize = 2038; // a ROW record (16 bytes), then a LabelSst at 2058

    fn put16(b: &mut [u8], at: usize, v: u16) {
        b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn the_roster_passes() {
        let b = roster();
        assert_eq!(u16::from_le_bytes([b[DIMENSIONS], b[DIMENSIONS + 1]]), 0x0200);
        assert_eq!(u16::from_le_bytes([b[FIRST_CELL], b[FIRST_CELL + 1]]), 0x00FD);
        assert_eq!(check(&b), Ok(()));
    }

    /// The fuzzer's find: a cell far away, then a nested substream, then the
    /// other cells. calamine keeps them in one sheet (59,393 × 49,413 cells,
    /// 94 GB); a scan that started a new box at every BOF saw two small ones.
    #[test]
    fn cells_on_both_sides_of_a_nested_substream_share_one_box() {
        let mut b = roster();
        put16(&mut b, FIRST_CELL + 4, 59_392);
        put16(&mut b, FIRST_CELL + 6, 49_412);
        put16(&mut b, ROW_AFTER, 0x0809); // a chart's BOF…
        put16(&mut b, ROW_AFTER + 20, 0x000A); // …and its EOF
        assert_eq!(check(&b), Err("cellules dispersées sur une feuille impossible"));
    }

    /// A second find: the same file with the workbook's directory entry
    /// typed as something else than a stream. calamine finds streams by
    /// name only; the check skipped it.
    #[test]
    fn the_workbook_is_found_by_its_name_whatever_its_type() {
        let mut b = roster();
        put16(&mut b, FIRST_CELL + 4, 59_392);
        put16(&mut b, FIRST_CELL + 6, 49_412);
        put16(&mut b, ROW_AFTER, 0x0809);
        put16(&mut b, ROW_AFTER + 20, 0x000A);
        assert_eq!(b[5314], 2, "the Workbook entry's type");
        b[5314] = 0x29;
        assert_eq!(check(&b), Err("cellules dispersées sur une feuille impossible"));
    }

    /// DIMENSIONS as calamine reads them: a first column past 255 counts from
    /// column 0, and a last row before the first wraps around.
    #[test]
    fn dimensions_are_judged_as_calamine_reads_them() {
        let mut b = roster();
        let d = DIMENSIONS + 4;
        b[d..d + 4].copy_from_slice(&0u32.to_le_bytes());
        b[d + 4..d + 8].copy_from_slice(&60_000u32.to_le_bytes());
        put16(&mut b, d + 8, 60_000);
        put16(&mut b, d + 10, 60_001);
        assert_eq!(check(&b), Err("dimensions de feuille impossibles"));
        let mut b = roster();
        b[d..d + 4].copy_from_slice(&10u32.to_le_bytes());
        b[d + 4..d + 8].copy_from_slice(&5u32.to_le_bytes());
        assert_eq!(check(&b), Err("dimensions de feuille impossibles"));
    }
}
