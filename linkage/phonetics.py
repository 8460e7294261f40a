"""Phonetic keys of names, computed once per run as data (linkage.name_phonetics), so both
linkage engines compare and block on exactly the same values.

Metaphone (from jellyfish, a maintained library) codes a name by how it sounds in English:
Katherine and Catherine, Sarah and Zarah, Philips and Fillips share a key. Neither DuckDB nor
Spark has it built in, and a hand-written one would differ from the standard in corner cases.
"""

import duckdb
import jellyfish
import pyarrow as pa


def write_name_phonetics(conn: duckdb.DuckDBPyConnection) -> int:
    """linkage.name_phonetics (name_key, phonetic_key) for every forename and surname key in
    linkage.person_records; returns how many names were coded."""
    names = [name for (name,) in conn.execute("""
        select distinct name from (
            select unnest(list_concat(forename_keys, surname_keys)) as name from linkage.person_records)
        where name is not null order by name""").fetchall()]
    conn.register("phonetics", pa.table({
        "name_key": pa.array(names, pa.string()),
        "phonetic_key": pa.array([jellyfish.metaphone(name) or None for name in names], pa.string()),
    }))
    conn.execute("create or replace table linkage.name_phonetics as select * from phonetics order by name_key")
    conn.unregister("phonetics")
    return len(names)
