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
    let mut fat_ids: Vec<u32> = (0..109).filter_map(|i| u32_at(bytes, 76 + i * 4)).filter(|id| *id < RESERVED).collect();
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
    let read_chain = |start: u32, table: &[u32], data: &dyn Fn(u32) -> Option<Vec<u8>>, len: usize| -> Result<Vec<u8>, &'static str> {
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
    let name_of = |e: &[u8]| -> String {
        let n = (u16::from_le_bytes([e[64], e[65]]) as usize).min(64);
        let units: Vec<u16> = e[..n].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
        String::from_utf16_lossy(&units).to_lowercase()
    };
    let Some(book) = entries.iter().find(|e| e[66] == 2 && matches!(name_of(e).as_str(), "workbook" | "book")) else {
        return Ok(());
    };
    let (start, len) = (u32_at(book, 116).unwrap_or(END_OF_CHAIN), u32_at(book, 120).unwrap_or(0) as usize);
    let big = |id: u32| sector(id).map(|s| s.to_vec());
    let stream = if len >= 4096 {
        read_chain(start, &fat, &big, len)?
    } else {
        let root = entries.first().ok_or("répertoire vide")?;
        let mini_stream = read_chain(u32_at(root, 116).unwrap_or(END_OF_CHAIN), &fat, &big, u32_at(root, 120).unwrap_or(0) as usize)?;
        let mini_fat_bytes = read_chain(u32_at(bytes, 60).unwrap_or(END_OF_CHAIN), &fat, &big, usize::MAX)?;
        let mini_fat: Vec<u32> = (0..mini_fat_bytes.len() / 4).filter_map(|i| u32_at(&mini_fat_bytes, i * 4)).collect();
        let mini = |id: u32| mini_stream.get(id as usize * 64..(id as usize * 64 + 64).min(mini_stream.len())).map(|s| s.to_vec());
        read_chain(start, &mini_fat, &mini, len)?
    };
    // Each sheet's cells: calamine makes one range of the box that holds them all.
    let mut bbox: Option<(u64, u64, u64, u64)> = None;
    let grow = |bbox: &mut Option<(u64, u64, u64, u64)>, row: u64, c0: u64, c1: u64| -> Result<(), &'static str> {
        let b = bbox.get_or_insert((row, row, c0, c1));
        *b = (b.0.min(row), b.1.max(row), b.2.min(c0), b.3.max(c1));
        if (b.1 - b.0 + 1).saturating_mul(b.3 - b.2 + 1) > 40_000_000 {
            return Err("cellules dispersées sur une feuille impossible");
        }
        Ok(())
    };
    let mut pos = 0;
    while pos + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let l = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        let data = &stream[pos + 4..(pos + 4 + l).min(stream.len())];
        if typ == 0x0200 {
            let (rows, cols) = if data.len() >= 14 {
                let (first, last) = (u32_at(data, 0).unwrap_or(0) as u64, u32_at(data, 4).unwrap_or(0) as u64);
                let (c0, c1) = (u16::from_le_bytes([data[8], data[9]]) as u64, u16::from_le_bytes([data[10], data[11]]) as u64);
                (last.checked_sub(first), c1.checked_sub(c0))
            } else if data.len() >= 8 {
                let w = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]) as u64;
                (w(2).checked_sub(w(0)), w(6).checked_sub(w(4)))
            } else {
                (None, None)
            };
            match (rows, cols) {
                (Some(r), Some(c)) if (r + 1).saturating_mul(c + 1) <= 40_000_000 => {}
                _ => return Err("dimensions de feuille impossibles"),
            }
        }
        let w = |i: usize| data.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u64);
        match typ {
            // A new substream (a sheet): a new box.
            0x0809 => bbox = None,
            // Number, label, rich string, bool/error, RK, label SST, formula, blank.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x0201 => {
                if let (Some(r), Some(c)) = (w(0), w(2)) {
                    grow(&mut bbox, r, c, c)?;
                }
            }
            // MulRk: a row of cells from one column to another.
            0x00BD if data.len() >= 6 => {
                if let (Some(r), Some(c0), Some(c1)) = (w(0), w(2), w(data.len() - 2)) {
                    grow(&mut bbox, r, c0.min(c1), c0.max(c1))?;
                }
            }
            _ => {}
        }
        pos += 4 + l;
    }
    Ok(())
}
