"""The kiosk's loyalty-card reader: a serial barcode scanner or an RDM6300-style 125 kHz RFID module.

    from kiosk.reader import CardReader

    with CardReader("/dev/corsia-card", "rdm6300", on_card=cards.put, on_state=health.card_reader) as reader:
        ...  # reader.state is "ok", "down" or "none"; reader.counters() for the health message

`CardReader` (serial_reader.py) is the only part that does I/O: a thread reading the port with pyserial. The
decoders (protocols.py) and the debouncer (debounce.py) are pure and take bytes and times. The simulated
device for tests and the demo is `firmware_sim.devices.card_reader.VirtualCardReader`; docs/card-reader.md
tells how to wire a real one.
"""

from kiosk.reader.debounce import Debouncer
from kiosk.reader.errors import CardReaderError, PortError, ReaderSettingError
from kiosk.reader.protocols import (
    PROTOCOLS,
    TERMINATORS,
    CardProtocol,
    CardRead,
    Decoder,
    DecoderCounters,
    LineDecoder,
    Rdm6300Decoder,
    Terminator,
    make_decoder,
    rdm6300_checksum,
    rdm6300_printed,
)
from kiosk.reader.serial_reader import CardReader, ReaderCounters, ReaderState

__all__ = [
    "PROTOCOLS",
    "TERMINATORS",
    "CardProtocol",
    "CardRead",
    "CardReader",
    "CardReaderError",
    "Debouncer",
    "Decoder",
    "DecoderCounters",
    "LineDecoder",
    "PortError",
    "Rdm6300Decoder",
    "ReaderCounters",
    "ReaderSettingError",
    "ReaderState",
    "Terminator",
    "make_decoder",
    "rdm6300_checksum",
    "rdm6300_printed",
]
