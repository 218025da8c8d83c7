# The glGet value-count and object-kind tables (gl_params_gen.{h,cpp}), generated from gl.xml and
# annotations/get_params.py. Included from codegen/CMakeLists.txt; sets
#   GFXRELAY_PARAMS_GEN_DIR      the folder holding gl_params_gen.h (add it to include paths)
#   GFXRELAY_PARAMS_GEN_SOURCES  gl_params_gen.cpp
set(GFXRELAY_PARAMS_GEN_DIR ${CMAKE_CURRENT_BINARY_DIR})
set(GFXRELAY_PARAMS_GEN_SOURCES ${GFXRELAY_PARAMS_GEN_DIR}/gl_params_gen.cpp)

add_custom_command(
  OUTPUT ${GFXRELAY_PARAMS_GEN_DIR}/gl_params_gen.h ${GFXRELAY_PARAMS_GEN_DIR}/gl_params_gen.cpp
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/gen_params.py
          --gl-xml ${GFXRELAY_GL_XML} --out-dir ${GFXRELAY_PARAMS_GEN_DIR}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/gen_params.py
          ${CMAKE_CURRENT_LIST_DIR}/annotations/get_params.py
          ${GFXRELAY_GL_XML}
  COMMENT "Generating the glGet parameter tables from gl.xml"
  VERBATIM)
