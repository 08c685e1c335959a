"""CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and TFRecord's masked form, for
the TensorBoard event files of ``bigdl_py.optim.summary``.  Table driven, one byte at a
time (event records are small)."""
from libc.stdint cimport uint32_t

cdef uint32_t _TABLE[256]


cdef void _init_table() noexcept nogil:
    cdef uint32_t c
    cdef int i, k
    for i in range(256):
        c = <uint32_t>i
        for k in range(8):
            c = (c >> 1) ^ 0x82F63B78u if c & 1u else c >> 1
        _TABLE[i] = c


_init_table()


cdef uint32_t _crc(const unsigned char[::1] data) noexcept nogil:
    cdef uint32_t c = 0xFFFFFFFFu
    cdef Py_ssize_t i
    for i in range(data.shape[0]):
        c = _TABLE[(c ^ data[i]) & 0xFFu] ^ (c >> 8)
    return c ^ 0xFFFFFFFFu


def crc32c(const unsigned char[::1] data):
    """CRC-32C of ``data`` (bytes or a uint8 buffer); ``crc32c(b"123456789") == 0xE3069283``."""
    return _crc(data)


def masked_crc32c(const unsigned char[::1] data):
    """TFRecord's masked CRC: ``((crc >> 15 | crc << 17) + 0xa282ead8) mod 2**32``."""
    cdef uint32_t c = _crc(data)
    return <uint32_t>(((c >> 15) | (c << 17)) + 0xA282EAD8u)
