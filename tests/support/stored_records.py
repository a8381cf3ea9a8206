"""Reads complaint records out of a SQLite store's file, plain or packed, for tests that look
at what the store keeps (migration 0020, src/store/sqlite/record_pack.hpp), and events, whose
`after` is packed the same way for a receipt's copy of the record (migration 0021).

A packed record is decoded here from its documented layout with a decoder of the LZ4 block
format of this file's own, so the tests check the format, not only the binary's round trip.
"""

import json

# Every complaint's id, version, reference and stored record, by id.
RECORDS_SQL = ("SELECT c.id, c.version, c.reference, d.doc, d.packed FROM complaints c "
               "JOIN complaint_docs d ON d.id = c.id")

PACKED_FORMAT = 0x01
WITHOUT_REFERENCE = 0x01


def _varint(buf, i):
    value, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _length(block, i, nibble):
    """A token's length (`nibble`), with the bytes that extend it when it is 15."""
    length = nibble
    if nibble == 15:
        while True:
            b = block[i]
            i += 1
            length += b
            if b != 255:
                break
    return length, i


def lz4_block_decompress(block, size, dictionary=b""):
    """One LZ4 block (lz4_Block_format.md) decoded after `dictionary`: `size` bytes."""
    out = bytearray(dictionary)
    start = len(out)
    i = 0
    while i < len(block):
        token = block[i]
        i += 1
        literals, i = _length(block, i, token >> 4)
        out += block[i:i + literals]
        i += literals
        if i >= len(block):
            break  # the last sequence holds literals only
        offset = block[i] | (block[i + 1] << 8)
        i += 2
        match, i = _length(block, i, token & 0x0F)
        match += 4
        if offset == 0 or offset > len(out):
            raise ValueError("LZ4 offset out of range")
        for _ in range(match):  # may overlap what it copies
            out.append(out[-offset])
    if len(out) - start != size:
        raise ValueError(f"LZ4 block gave {len(out) - start} bytes, {size} expected")
    return bytes(out[start:])


def record_text(con, doc, packed, reference):
    """The record's JSON text: `doc`, or `packed` unpacked with its dictionary from `con`."""
    if packed is None:
        return doc
    packed = bytes(packed)
    if packed[0] != PACKED_FORMAT:
        raise ValueError("not a packed record")
    dict_id, i = _varint(packed, 1)
    size, i = _varint(packed, i)
    flags = packed[i]
    (dictionary,) = con.execute("SELECT dict FROM record_dicts WHERE id = ?",
                                (dict_id,)).fetchone()
    text = lz4_block_decompress(packed[i + 1:], size, bytes(dictionary)).decode()
    if flags & WITHOUT_REFERENCE:
        text = '{"reference":"' + reference + '"' + text
    return text


def records(con, where="", args=()):
    """(id, version, reference, record text) of each complaint, by id."""
    rows = con.execute(RECORDS_SQL + (" WHERE " + where if where else "") + " ORDER BY c.id",
                       args).fetchall()
    return [(i, v, ref, record_text(con, doc, packed, ref)) for i, v, ref, doc, packed in rows]


def record(con, reference):
    """The record of the complaint `reference`, decoded from JSON."""
    found = records(con, "c.reference = ?", (reference,))
    return json.loads(found[0][3]) if found else None


def events(con):
    """(seq, before, after text, hash) of each event, by seq, `after` unpacked when packed."""
    rows = con.execute('SELECT seq, reference, "before", "after", after_packed, hash FROM events '
                       "ORDER BY seq").fetchall()
    return [(seq, before, record_text(con, after, packed, ref), h)
            for seq, ref, before, after, packed, h in rows]
