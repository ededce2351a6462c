"""memlab 2.0.5's help texts, as ``memlab help`` and ``memlab analyze`` print them."""

from __future__ import annotations

__all__ = ["ANALYZE_HELP", "MAIN_HELP"]

MAIN_HELP = "".join((
    '\n',
    '  memlab: memory leak detector for front-end JS\n',
    '\n',
    '  COMMON COMMANDS\n',
    '\n',
    '    memlab run --scenario <TEST_SCENARIO_FILE>\n',
    '    Find memory leaks in web apps\n',
    '    Options: --work-dir --headful --display-leak-outlines --full'
    ' --skip-screenshot --skip-gc --skip-scroll --skip-extra-ops --local-puppeteer'
    ' --scenario --chromium-binary --protocol-timeout --device --user-agent'
    ' --disable-xvfb --disable-web-security --rewrite-js --log-script --worker'
    ' --leak-filter --trace-object-size-above --ignore-leak-cluster-size-below'
    ' --trace-all-objects --save-trace-as-unclassified-cluster --ml-clustering'
    ' --ml-linkage-max-dist --ml-clustering-max-df --clean-up-snapshot\n',
    '\n',
    '    memlab list \n',
    '    List all test scenarios\n',
    '\n',
    '    memlab trace --node-id=<HEAP_OBJECT_ID>\n',
    '    Report retainer trace of a specific node, use with --nodeId\n',
    '    Options: --snapshot --snapshot-dir --engine --node-id'
    ' --heap-parser-dict-fast-store-size\n',
    '\n',
    '    memlab find-leaks \n',
    '    Find memory leaks in heap snapshots\n',
    '    Options: --baseline --target --final --snapshot-dir --engine --leak-filter'
    ' --trace-object-size-above --ignore-leak-cluster-size-below --trace-all-objects'
    ' --save-trace-as-unclassified-cluster --ml-clustering --ml-linkage-max-dist'
    ' --ml-clustering-max-df --clean-up-snapshot --work-dir'
    ' --heap-parser-dict-fast-store-size\n',
    '\n',
    '    memlab analyze <PLUGIN_NAME> [PLUGIN_OPTIONS]\n',
    '    Run heap analysis on heap snapshots.\n',
    '    Options: --analysis-plugin --heap-parser-dict-fast-store-size --work-dir\n',
    '\n',
    '    memlab help <COMMAND> [SUB-COMMANDS]\n',
    '    List all MemLab CLI commands or print helper text for a specific command\n',
    '\n',
    '    memlab anonymize --snapshot <HEAP_SNAPSHOT_FILE> --output <OUTPUT_FILE>\n',
    '    Remove user data from a heap snapshot so it can be shared\n',
    '    Options: --snapshot --snapshot-dir --output --anonymize-mode'
    ' --anonymize-salt --audit-only\n',
    '\n',
    '    memlab diff-leaks \n',
    '    Find new memory leaks by diffing control and test heap snapshots\n',
    '    Options: --control-snapshot --control-work-dir --treatment-snapshot'
    ' --treatment-work-dir --engine --leak-filter --trace-object-size-above'
    ' --ignore-leak-cluster-size-below --trace-all-objects'
    ' --save-trace-as-unclassified-cluster --ml-clustering --ml-linkage-max-dist'
    ' --ml-clustering-max-df --max-cluster-sample-size --trace-contains'
    ' --heap-parser-dict-fast-store-size --work-dir\n',
    '\n',
    '    memlab heap --snapshot <HEAP_SNAPSHOT_FILE>\n',
    '    Interactive command to explore a single heap snapshot\n',
    '    Options: --snapshot --engine --heap-parser-dict-fast-store-size\n',
    '\n',
    '    memlab view-heap --snapshot <HEAP_SNAPSHOT_FILE>\n',
    '    Interactive command to view a single heap snapshot\n',
    '    Options: --snapshot --engine --node-id --ml-clustering --work-dir'
    ' --heap-parser-dict-fast-store-size\n',
    '\n',
    '\n',
    '  MISC COMMANDS\n',
    '\n',
    '    memlab version \n',
    '    Show the versions of all memlab packages installed\n',
    '\n',
    '    memlab reset \n',
    '    Reset and initialize all directories\n',
    '    Options: --work-dir\n',
    '\n',
    '    memlab measure --scenario <TEST_SCENARIO_FILE>\n',
    '    Run test scenario in measure mode\n',
    '    Options: --headful --display-leak-outlines --run-num --app --interaction'
    ' --full --skip-snapshot --skip-screenshot --skip-gc --skip-scroll'
    ' --skip-extra-ops --run-mode --local-puppeteer --scenario --chromium-binary'
    ' --protocol-timeout --device --user-agent --disable-xvfb --disable-web-security'
    ' --rewrite-js --log-script --work-dir\n',
    '\n',
    '    memlab warmup --scenario <TEST_SCENARIO_FILE>\n',
    '    Warm up the target app\n',
    '    Options: --headful --display-leak-outlines --app --interaction --run-mode'
    ' --local-puppeteer --scenario --chromium-binary --protocol-timeout --device'
    ' --user-agent --disable-xvfb --disable-web-security --skip-warmup --rewrite-js'
    ' --log-script --work-dir\n',
    '\n',
    '    memlab get-default-work-dir \n',
    '    Query the default working directory\n',
    '\n',
    '    memlab snapshot --scenario <TEST_SCENARIO_FILE>\n',
    '    Interact with web app and take heap snapshots\n',
    '    Options: --headful --display-leak-outlines --app --interaction --full'
    ' --skip-snapshot --skip-screenshot --skip-gc --skip-scroll --skip-extra-ops'
    ' --run-mode --local-puppeteer --scenario --chromium-binary --protocol-timeout'
    ' --device --user-agent --disable-xvfb --disable-web-security --rewrite-js'
    ' --log-script --worker --work-dir\n',
    '\n',
    '    memlab warmup-and-snapshot --scenario <TEST_SCENARIO_FILE>\n',
    '    Warm up server and take heap snapshots\n',
    '    Options: --work-dir --headful --display-leak-outlines --app --interaction'
    ' --run-mode --local-puppeteer --scenario --chromium-binary --protocol-timeout'
    ' --device --user-agent --disable-xvfb --disable-web-security --skip-warmup'
    ' --rewrite-js --log-script --full --skip-snapshot --skip-screenshot --skip-gc'
    ' --skip-scroll --skip-extra-ops --worker\n',
    '\n',
    '\n',
))

# What ``memlab analyze`` without a plugin prints (its first line is the error).
ANALYZE_HELP = "".join((
    '\n',
    '  Heap analysis plugin name missing\n',
    '\n',
    '  memlab analyze <PLUGIN_NAME> [PLUGIN_OPTIONS]\n',
    '  Run heap analysis on heap snapshots.\n',
    '  Options: --analysis-plugin --heap-parser-dict-fast-store-size --work-dir\n',
    '\n',
    '   memlab analyze unbound-collection \n',
    '   Check unbound collection growth (e.g., Map with growing number of entries)\n',
    '   Options: --snapshot-dir\n',
    '\n',
    '   memlab analyze collections-with-stale \n',
    '   Analyze collections holding stale objects\n',
    '   Options: --snapshot --output\n',
    '\n',
    '   memlab analyze detached-DOM \n',
    '   Get detached DOM elements\n',
    '   Options: --snapshot --output\n',
    '\n',
    '   memlab analyze global-variable \n',
    '   Get global variables in heap\n',
    '   Options: --snapshot --output\n',
    '\n',
    '   memlab analyze object \n',
    '   Get properties inside an object\n',
    '   Options: --snapshot --node-id --output\n',
    '\n',
    '   memlab analyze object-fanout \n',
    '   Get objects with the most out-going references in heap\n',
    '   Options: --snapshot --output\n',
    '\n',
    '   memlab analyze object-shallow \n',
    '   Get objects by key and value, without recursing into sub-objects\n',
    '   Options: --snapshot\n',
    '\n',
    '   memlab analyze shape \n',
    '   List the shapes that retained most memory\n',
    '   Options: --snapshot\n',
    '\n',
    '   memlab analyze object-size \n',
    '   Get the largest objects in heap\n',
    '   Options: --snapshot --output\n',
    '\n',
    '   memlab analyze unbound-object \n',
    '   Check unbound object growth (a single object with growing retained size)\n',
    '   Options: --snapshot-dir\n',
    '\n',
    '   memlab analyze react-hooks \n',
    '   Show a memory breakdown of the most memory-consuming React components and\n',
    '   their React hooks. This works best with unminified heap snapshots taken from\n',
    '   React apps running in Dev mode. But also supports minified heap snapshots\n',
    '   taken from React apps in production mode.\n',
    '   Options: --snapshot\n',
    '\n',
    '   memlab analyze unbound-shape \n',
    '   Get shapes with unbound growth (a class of objects with growing aggregated\n',
    '   retained size)\n',
    '   Options: --snapshot-dir\n',
    '\n',
    '   memlab analyze string \n',
    '   Find duplicated string instances in heap\n',
    '   Options: --snapshot\n',
    '\n',
    '   memlab analyze unmounted-fiber-node \n',
    '   Get unmounted React Fiber nodes\n',
    '   Options: --snapshot --output\n',
    '\n',
))
