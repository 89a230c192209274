# The web server (src/http): libmicrohttpd, and the page's files compiled
# into the core library.  Included by the root CMakeLists.txt once the
# mppdcore target exists.
#
# libmicrohttpd is loaded at run time (dlopen) only when http_listen is
# set (http_server.c says why): its headers are used here, its soname is
# compiled in, and nothing links it.
pkg_check_modules(MHD REQUIRED libmicrohttpd)
target_include_directories(mppdcore PRIVATE ${MHD_INCLUDE_DIRS})
find_library(MPPD_MHD_LIBRARY NAMES microhttpd HINTS ${MHD_LIBRARY_DIRS})
get_filename_component(mhd_real "${MPPD_MHD_LIBRARY}" REALPATH)
get_filename_component(mhd_real "${mhd_real}" NAME)
string(REGEX REPLACE "^(libmicrohttpd\\.so\\.[0-9]+).*" "\\1" MPPD_MHD_SONAME "${mhd_real}")
if(NOT MPPD_MHD_SONAME MATCHES "^libmicrohttpd\\.so\\.[0-9]+$")
  message(FATAL_ERROR "cannot tell libmicrohttpd's soname from ${MPPD_MHD_LIBRARY}")
endif()
target_compile_definitions(mppdcore PRIVATE MPPD_MHD_SONAME="${MPPD_MHD_SONAME}")
target_link_libraries(mppdcore PUBLIC ${CMAKE_DL_LIBS})

# path in the page : file under assets/ : Content-Type
set(MPPD_HTTP_ASSETS
  "/|index.html|text/html"
  "/app.css|app.css|text/css"
  "/app.js|app.js|text/javascript")
set(MPPD_HTTP_ASSET_FILES "")
foreach(a ${MPPD_HTTP_ASSETS})
  string(REPLACE "|" ";" parts "${a}")
  list(GET parts 1 f)
  list(APPEND MPPD_HTTP_ASSET_FILES ${CMAKE_CURRENT_LIST_DIR}/assets/${f})
endforeach()
set(MPPD_HTTP_ASSETS_C ${CMAKE_BINARY_DIR}/generated/http_assets_data.c)
string(REPLACE ";" "," MPPD_HTTP_ASSETS_ARG "${MPPD_HTTP_ASSETS}")
add_custom_command(OUTPUT ${MPPD_HTTP_ASSETS_C}
  COMMAND ${CMAKE_COMMAND} -DASSET_DIR=${CMAKE_CURRENT_LIST_DIR}/assets
          "-DASSETS=${MPPD_HTTP_ASSETS_ARG}" -DOUT=${MPPD_HTTP_ASSETS_C}
          -P ${CMAKE_CURRENT_LIST_DIR}/assets_gen.cmake
  DEPENDS ${MPPD_HTTP_ASSET_FILES} ${CMAKE_CURRENT_LIST_DIR}/assets_gen.cmake
  COMMENT "Compiling the web page into http_assets_data.c" VERBATIM)
target_sources(mppdcore PRIVATE ${MPPD_HTTP_ASSETS_C})
