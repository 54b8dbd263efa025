# add_paralab_experiment(<model> <target> <define> [<extra definition>...]):
# the experiment program of tests/<model>-experiments (experiment.c, in the
# directory that calls this), linked with paralab_<model>.
#
# Its experiments crash or cannot be stopped, so they run as a process of their
# own and test_model_<model> asserts how that process ended. The test finds the
# program by its build path, handed over as the compile definition <define>
# (plus any extra definitions, e.g. where mpiexec is), and building the test
# builds the program.
include_guard(GLOBAL)

function(add_paralab_experiment model target define)
  add_executable(${target} experiment.c)
  target_link_libraries(${target} PRIVATE paralab_${model})
  if(TARGET test_model_${model})
    target_compile_definitions(test_model_${model} PRIVATE ${define}="$<TARGET_FILE:${target}>" ${ARGN})
    add_dependencies(test_model_${model} ${target})
  endif()
endfunction()
