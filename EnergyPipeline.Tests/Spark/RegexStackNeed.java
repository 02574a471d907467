// The smallest thread stack on which java.util.regex (what Spark's RLIKE runs) matches every given value against
// the pattern without a StackOverflowError, printed in bytes; exit code 1 when even 64 MiB is not enough.
// Usage: java [-Xint] RegexStackNeed.java PATTERN VALUE...   (-Xint: interpreted frames, the largest a cold JVM has)
// Sizes are tried upwards: glibc hands an exiting thread's stack to the next thread that asks for up to four times
// less, so trying a smaller size after a larger one would measure the larger stack.
import java.util.Arrays;
import java.util.regex.Pattern;

public final class RegexStackNeed {
    private static final long STEP = 4 * 1024;
    private static final long LIMIT = 64L * 1024 * 1024;

    private static final String USAGE = "Usage: java [-Xint] RegexStackNeed.java PATTERN VALUE...\n"
        + "Prints the smallest thread stack, in bytes, on which java.util.regex finds PATTERN in every VALUE.";

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            System.out.println(USAGE);
            return;
        }

        if (args.length < 2) {
            System.err.println("RegexStackNeed needs a pattern and at least one value. " + USAGE.replace('\n', ' '));
            System.exit(2);
        }

        Pattern pattern = Pattern.compile(args[0]);
        String[] values = Arrays.copyOfRange(args, 1, args.length);
        for (long size = 16 * STEP; size <= LIMIT; size += STEP) {
            if (fits(pattern, values, size)) {
                System.out.println(size);
                return;
            }
        }

        System.exit(1);
    }

    private static boolean fits(Pattern pattern, String[] values, long stackBytes) throws InterruptedException {
        boolean[] matchedAll = {false};
        Thread thread = new Thread(null, () -> {
            try {
                for (String value : values) {
                    pattern.matcher(value).find(0);
                }
                matchedAll[0] = true;
            } catch (StackOverflowError tooDeep) {
                // matchedAll stays false
            }
        }, "regex", stackBytes);
        thread.start();
        thread.join();
        return matchedAll[0];
    }
}
