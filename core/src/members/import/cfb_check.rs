//! A sanity check of an old `.xls` (an OLE compound file) before calamine
//! reads it. calamine follows the file's sector chains until the declared
//! length is reached; a forged chain that loops back on itself makes it grow a
//! buffer without end until an allocation fails, which aborts the process (no
//! panic to catch). Found by the fuzzer. Here every chain calamine will follow
//! is walked once: it must end, stay inside the file and not loop.

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
    let mut id = dir_start;
    for _ in 0..dir_sectors {
        let s = sector(id).ok_or("secteur hors du fichier")?;
        for entry in s.chunks_exact(128) {
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
    Ok(())
}
