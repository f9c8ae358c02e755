package io.paligemma.image;

import java.io.IOException;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * The picture's bytes as the ImageIO readers see them, with a bound on reads past the end. Some readers take
 * an end of file for zero bits and go on: TwelveMonkeys' WebP lossless bit reader does, and a 152-byte file
 * (found by the fuzzer, kept in {@code ImageFuzzTestInputs/webp/}) kept its Huffman table reader busy for
 * minutes. After {@link #EOF_READS} reads at the end, the next one is an IOException that is not an
 * EOFException, which those readers do not swallow, so the file is refused as truncated.
 */
final class EofLimitedStream extends ImageInputStreamImpl {

    /** Reads at the end a valid file may cost a reader that prefetches (a bit reader refilling 8 bytes). */
    static final int EOF_READS = 4096;

    private final ImageInputStream in;
    private int eofReads;

    EofLimitedStream(ImageInputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        in.seek(streamPos);
        int b = in.read();
        if (b < 0) {
            atEnd();
        } else {
            streamPos++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        in.seek(streamPos);
        int n = in.read(b, off, len);
        if (n < 0 || (n == 0 && len > 0)) {
            atEnd();
        } else {
            streamPos += n;
        }
        return n;
    }

    private void atEnd() throws IOException {
        if (++eofReads > EOF_READS) {
            throw new IOException("the decoder kept reading past the end of the data (" + EOF_READS
                    + " times): truncated or corrupt");
        }
    }

    @Override
    public long length() {
        try {
            return in.length();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        in.close();
    }
}
