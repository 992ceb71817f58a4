/**
 * What the official IOPO fork of LLaMA-Factory (AlibabaResearch/DAMO-ConvAI, folder IOPO/Method-IOPO, checked at
 * commit 483554eae102996f5ec1f4feab4e78ef29c2a394) lacks to run its `stage: iopo` on the rows
 * `iopo export llamafactory` writes, as a unified diff for `git apply` (or `patch -p1`) inside Method-IOPO/:
 *
 * - train/iopo/__init__.py imports `run_cipo`, but workflow.py defines `run_iopo` (what tuner.py imports): the
 *   package does not import at all;
 * - data/preprocess.py routes the four-sequence preprocessing (preprocess_inputpairwise_dataset) only for a stage
 *   named "cipo", while the iopo workflow asks for stage "iopo": the rows would go to the unsupervised processor;
 * - data/aligner.py checks sharegpt roles by turn parity and rejects a ranking row with an even number of turns, so
 *   every IOPO row ([human x1, human x2]: two consecutive human turns) is skipped as "abnormal"; the patch checks each
 *   half (x1's turns, then x2's turns) on its own;
 * - setup.py reads README.md, which the folder does not have, so `pip install -e .` fails: the patch adds one.
 *
 * The patched upstream files are kept as test fixtures (test/fixtures/iopo-fork/, with their license notice) and the
 * suite checks that this patch applies to them cleanly.
 */
export const IOPO_FORK_PATCH_FILE = "iopo-fork.patch";

export const IOPO_FORK_PATCH = `diff --git a/README.md b/README.md
new file mode 100644
index 0000000..de9253c
--- /dev/null
+++ b/README.md
@@ -0,0 +1 @@
+IOPO fork of LLaMA-Factory (setup.py reads this file as the package's long description).
diff --git a/src/llamafactory/data/aligner.py b/src/llamafactory/data/aligner.py
index ef70d75..500779d 100644
--- a/src/llamafactory/data/aligner.py
+++ b/src/llamafactory/data/aligner.py
@@ -129,10 +129,14 @@ def convert_sharegpt(
         else:
             system = examples[dataset_attr.system][i] if dataset_attr.system else ""
 
+        # IOPO ranking rows hold two prompts, x1's turns then x2's turns, each ending with a human turn:
+        # the role pattern starts again at the second half.
+        two_prompts = dataset_attr.ranking and len(messages) % 2 == 0
+        half = len(messages) // 2 if two_prompts else len(messages)
         aligned_messages = []
         broken_data = False
         for turn_idx, message in enumerate(messages):
-            if message[dataset_attr.role_tag] not in accept_tags[turn_idx % 2]:
+            if message[dataset_attr.role_tag] not in accept_tags[(turn_idx % half) % 2]:
                 logger.warning("Invalid role tag in {}.".format(messages))
                 broken_data = True
 
@@ -141,7 +145,7 @@ def convert_sharegpt(
             )
 
         if (not dataset_attr.ranking and len(aligned_messages) % 2 != 0) or (
-            dataset_attr.ranking and len(aligned_messages) % 2 == 0
+            dataset_attr.ranking and half % 2 == 0
         ):
             logger.warning("Invalid message count in {}.".format(messages))
             broken_data = True
diff --git a/src/llamafactory/data/preprocess.py b/src/llamafactory/data/preprocess.py
index 44d7b28..111f482 100644
--- a/src/llamafactory/data/preprocess.py
+++ b/src/llamafactory/data/preprocess.py
@@ -35,7 +35,7 @@ if TYPE_CHECKING:
 
 def get_preprocess_and_print_func(
     data_args: "DataArguments",
-    stage: Literal["pt", "sft", "rm", "ppo", "kto", "cipo"],
+    stage: Literal["pt", "sft", "rm", "ppo", "kto", "iopo"],
     template: "Template",
     tokenizer: "PreTrainedTokenizer",
     processor: Optional["ProcessorMixin"],
@@ -79,7 +79,7 @@ def get_preprocess_and_print_func(
             )
 
         print_function = partial(print_supervised_dataset_example, tokenizer=tokenizer)
-    elif stage == "cipo":
+    elif stage == "iopo":
         preprocess_func = partial(
             preprocess_inputpairwise_dataset,
             template=template,
diff --git a/src/llamafactory/train/iopo/__init__.py b/src/llamafactory/train/iopo/__init__.py
index 0e32bfa..0f6f0d3 100644
--- a/src/llamafactory/train/iopo/__init__.py
+++ b/src/llamafactory/train/iopo/__init__.py
@@ -12,7 +12,7 @@
 # See the License for the specific language governing permissions and
 # limitations under the License.
 
-from .workflow import run_cipo
+from .workflow import run_iopo
 
 
-__all__ = ["run_cipo"]
+__all__ = ["run_iopo"]
`;
