"""Log-mel front-ends and mel filterbanks (pure numpy), with their published constants.

Two front-ends are reimplemented from their published recipes:

- :func:`vggish_logmel`: AVSBench's VGGish input (torchvggish ``waveform_to_examples``),
  ``[N, 96, 64]`` log-mel examples of 0.96 s at 16 kHz.
- :func:`htsat_logmel`: HTS-AT's AudioSet input (torchlibrosa ``Spectrogram`` +
  ``LogmelFilterBank``), a ``[frames, 64]`` dB log-mel at 32 kHz, before ``bn0``.

Both compute in float64 and return float32. The data pipeline computes them
(``LoadAVSAudio``); the HTS-AT model checks its checkpoint's front-end against the same
constants and :func:`slaney_mel_matrix`.
"""
import numpy as np

from .waveform import resample_wave

# VGGish (torchvggish ``vggish_params``): 25 ms / 10 ms STFT at 16 kHz, 64 HTK mel bands.
VGGISH_SAMPLE_RATE = 16000
VGGISH_WIN = 400
VGGISH_HOP = 160
VGGISH_NFFT = 512
VGGISH_MELS = 64
VGGISH_FMIN = 125.0
VGGISH_FMAX = 7500.0
VGGISH_LOG_OFFSET = 0.01
VGGISH_EXAMPLE_FRAMES = 96  # 0.96 s examples, hop 0.96 s (no overlap)

# HTS-AT AudioSet configuration.
HTSAT_SAMPLE_RATE = 32000
HTSAT_NFFT = 1024
HTSAT_HOP = 320
HTSAT_MELS = 64
HTSAT_FMIN = 50.0
HTSAT_FMAX = 14000.0
HTSAT_AMIN = 1e-10


def _frame(x: np.ndarray, window: int, hop: int) -> np.ndarray:
    """Frames of ``window`` rows every ``hop`` rows, without padding; a partial tail is
    dropped (torchvggish ``frame``: 1 + floor((n - window) / hop) frames)."""
    num = 1 + (len(x) - window) // hop if len(x) >= window else 0
    if num == 0:
        return np.zeros((0, window) + x.shape[1:], dtype=x.dtype)
    view = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)[::hop][:num]
    # sliding_window_view puts the window axis last; move it back to axis 1.
    return np.moveaxis(view, -1, 1)


def _periodic_hann(n: int) -> np.ndarray:
    """Periodic (DFT-even) Hann window, as VGGish and torchlibrosa use."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def vggish_mel_matrix() -> np.ndarray:
    """VGGish's own mel matrix ``[257, 64]``.

    HTK mel scale ``1127 ln(1 + f/700)``; 66 edges equally spaced in mel between 125 and
    7500 Hz; triangles evaluated in the mel domain; no area normalisation; the DC row is 0.

    Returns:
        np.ndarray: float64 ``[VGGISH_NFFT // 2 + 1, 64]`` weights.
    """

    def hz_to_mel(f):
        return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)

    bins_mel = hz_to_mel(np.linspace(0.0, VGGISH_SAMPLE_RATE / 2, VGGISH_NFFT // 2 + 1))
    edges = np.linspace(hz_to_mel(VGGISH_FMIN), hz_to_mel(VGGISH_FMAX), VGGISH_MELS + 2)
    lo, centre, hi = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel[:, None] - lo) / (centre - lo)
    falling = (hi - bins_mel[:, None]) / (hi - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0
    return weights


def vggish_logmel(wave: np.ndarray, sample_rate: int = VGGISH_SAMPLE_RATE) -> np.ndarray:
    """AVSBench's VGGish log-mel examples (torchvggish ``waveform_to_examples``).

    Magnitude STFT (periodic Hann 400, hop 160, rfft 512, no centering), VGGish mel matrix,
    ``log(mel + 0.01)``, then examples of 96 frames with hop 96; an incomplete tail is
    dropped, so a clip shorter than 0.985 s gives no example.

    Args:
        wave (np.ndarray): ``[num_samples]`` mono waveform in [-1, 1] (``[num_samples, C]``
            is averaged to mono).
        sample_rate (int): Its sample rate. Other rates than 16 kHz are resampled to 16 kHz
            with :func:`resample_wave` (AVSBench used resampy, so values differ slightly
            for such files). Default: 16000.

    Returns:
        np.ndarray: ``[N, 96, 64]`` float32, N = 1 + floor((frames - 96) / 96).
    """
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim > 1:
        wave = wave.mean(axis=1)
    wave = resample_wave(wave, sample_rate, VGGISH_SAMPLE_RATE).astype(np.float64)
    frames = _frame(wave, VGGISH_WIN, VGGISH_HOP) * _periodic_hann(VGGISH_WIN)
    magnitude = np.abs(np.fft.rfft(frames, VGGISH_NFFT, axis=-1))
    logmel = np.log(magnitude @ vggish_mel_matrix() + VGGISH_LOG_OFFSET)
    return _frame(logmel, VGGISH_EXAMPLE_FRAMES, VGGISH_EXAMPLE_FRAMES).astype(np.float32)


def slaney_mel_matrix(sample_rate: int, n_fft: int, n_mels: int, fmin: float,
                      fmax: float) -> np.ndarray:
    """librosa's default mel filterbank (Slaney scale, Slaney area normalisation).

    Slaney scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above (step
    ln(6.4)/27). Triangles are linear in Hz between ``n_mels + 2`` edges equally spaced in
    mel, each scaled by ``2 / (upper - lower)`` Hz.

    Args:
        sample_rate (int): Sample rate.
        n_fft (int): FFT length (``n_fft // 2 + 1`` bins).
        n_mels (int): Number of bands.
        fmin (float): Lowest edge in Hz.
        fmax (float): Highest edge in Hz.

    Returns:
        np.ndarray: float64 ``[n_fft // 2 + 1, n_mels]`` weights.
    """
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz,
                        min_log_mel + np.log(np.maximum(f, min_log_hz) / min_log_hz) / logstep,
                        f / f_sp)

    def mel_to_hz(m):
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)),
                        m * f_sp)

    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    lo, centre, hi = edges[:-2], edges[1:-1], edges[2:]
    rising = (freqs[:, None] - lo) / (centre - lo)
    falling = (hi - freqs[:, None]) / (hi - centre)
    return np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (hi - lo))


def htsat_logmel(wave_32k: np.ndarray) -> np.ndarray:
    """HTS-AT's AudioSet log-mel input (before ``bn0``).

    Power STFT (n_fft 1024, hop 320, periodic Hann, ``center=True`` with reflect padding),
    Slaney mel 50–14000 Hz with 64 bands, ``10 log10(max(x, 1e-10))`` without top_db.
    10 s (320000 samples) give 1001 frames, 1 s gives 101.

    Args:
        wave_32k (np.ndarray): ``[num_samples]`` mono waveform at 32 kHz.

    Returns:
        np.ndarray: ``[1 + num_samples // 320, 64]`` float32 dB.
    """
    wave = np.asarray(wave_32k, dtype=np.float64)
    padded = np.pad(wave, HTSAT_NFFT // 2, mode='reflect')
    frames = _frame(padded, HTSAT_NFFT, HTSAT_HOP) * _periodic_hann(HTSAT_NFFT)
    power = np.abs(np.fft.rfft(frames, axis=-1))**2
    mel = power @ slaney_mel_matrix(HTSAT_SAMPLE_RATE, HTSAT_NFFT, HTSAT_MELS, HTSAT_FMIN,
                                    HTSAT_FMAX)
    return (10.0 * np.log10(np.maximum(mel, HTSAT_AMIN))).astype(np.float32)
