# paralab classroom images (issue 8). Two targets:
#
#   docker build --target student -t paralab:student .   # labs + handouts, no solutions
#   docker build --target grader  -t paralab:grader  .    # everything, Gradescope layout
#
# Packages come from scripts/install-deps, so CI, a laptop and the images
# install the same way. tini runs as PID 1: MPI jobs and the fork labs leave
# children behind when something goes wrong, and a plain shell as PID 1 never
# reaps them. tests/docker/build-images (CI's `images` job) builds both
# targets for real (buildah, from a debootstrapped Debian 12) and runs them;
# .devcontainer/devcontainer.json opens the student target in VS Code.

FROM debian:bookworm-slim AS os
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# In containers Open MPI's shared-memory transport cannot use CMA (ptrace is
# restricted), and classroom machines have few cores. These are Open MPI 4's
# names (Debian 12, Ubuntu 22.04), as scripts/mpi-env picks them for it.
ENV OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1 \
    OMPI_MCA_pml=ob1

FROM os AS base
COPY scripts/install-deps /usr/local/sbin/paralab-install-deps
# install-deps runs apt-get update itself on an image without package lists.
RUN /usr/local/sbin/paralab-install-deps \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# ---------------------------------------------------------------- student
# Only what a student needs is copied, file by file: the reference solutions
# and the grader never enter this stage (a .dockerignore cannot do it, since
# the grader stage needs them from the same context).
FROM base AS student
# WORKDIR would create the directory owned by root, and the student could not
# build in it: make it theirs first.
RUN (id student >/dev/null 2>&1 || useradd --create-home --shell /bin/bash student) \
 && install -d -o student -g student /home/student/paralab
WORKDIR /home/student/paralab
COPY --chown=student:student CMakeLists.txt paralab README.md ./
COPY --chown=student:student common ./common
COPY --chown=student:student tasks ./tasks
COPY --chown=student:student runtime ./runtime
COPY --chown=student:student checker ./checker
COPY --chown=student:student labs ./labs
COPY --chown=student:student tests ./tests
COPY --chown=student:student apps ./apps
COPY --chown=student:student bench ./bench
COPY --chown=student:student scripts ./scripts
COPY --chown=student:student docs ./docs
USER student
# A warm build of the untouched skeletons: the first `./paralab test` is fast,
# and the image proves the skeletons compile.
RUN cmake -S . -B build -DPARALAB_IMPL=labs && cmake --build build -j"$(nproc)"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/bin/bash"]

# ---------------------------------------------------------------- grader
# Gradescope's layout and Gradescope's own recipe: the source in
# /autograder/source, grader/setup.sh run once as root on a bare distribution
# (here Debian 12; Gradescope's default is Ubuntu 22.04), the entry script at
# /autograder/run_autograder, submissions in /autograder/submission. Building
# this stage is the real test of setup.sh. The packages are their own layer
# (only what setup.sh reads for them is copied first), so a source change
# does not download them again.
FROM os AS grader
COPY CMakeLists.txt /autograder/source/
COPY scripts/install-deps /autograder/source/scripts/
COPY grader/setup.sh /autograder/source/grader/
RUN bash /autograder/source/grader/setup.sh --deps-only && rm -rf /var/lib/apt/lists/*
COPY . /autograder/source
WORKDIR /autograder/source
RUN bash grader/setup.sh --build-only
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/autograder/run_autograder"]
